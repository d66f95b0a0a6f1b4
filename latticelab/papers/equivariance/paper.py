"""The talk's numbers (Favoni, Lattice 2021, on Bulusu et al. arXiv 2103.14686), for the rows' paper column.

The talk shows its regression, generalisation and detection results as plots only. Its one table of numbers
(backup slide "Test loss vs validation loss table") is for the third task, counting flux violations: the squared
count error of its first-, second- and third-ranked architectures of each family, mean and median over their
retrainings, trained on 8 x 8 at (eta, mu) = (4.25, 1) and (4.01, 1.5) with 0 and 5 open worms (N_train = 20000),
tested on 8 x 8 and on "up to 64 x 64" (4 sizes x 9 (eta, mu) x 11 counts = 396 test combinations). FL cannot
be tested on other sizes ('-' in the table)."""

#: family -> (validation loss 8x8, test loss 8x8, test loss up to 64x64), each (mean, median); the first-ranked
#: architectures (our defaults, nn.cnn_families.*_COUNTING)
COUNTING_FIRST = {
    "EQ": ((4.676e-5, 4.137e-5), (2.108e-4, 1.483e-4), (1.008e-3, 8.308e-4)),
    "ST": ((2.331e-5, 2.173e-5), (9.438e-3, 3.576e-3), (4.446, 3.026)),
    "FL": ((2.602e-5, 1.787e-5), (7.837e-2, 3.817e-2), (None, None)),
}

#: parameter counts the talk gives for the architectures we use (its backup tables)
PARAMETERS = {"regression": {"EQ": 33202, "ST": 26370, "FL": 47394},
              "detection": {"EQ": 2657, "ST": 953, "FL": 5600},
              "counting": {"EQ": 1800, "ST": 2336, "FL": 640}}
