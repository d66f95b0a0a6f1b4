// latticelab page guard: appended to every app page by `latticelab serve` (latticelab/widgets/_voila_app.py).
// Asks the server every POLL_MS whether this page's kernel is still there and, when it is not (killed, out of
// memory, freed after the page lost its connection, or the server restarted), says so on top of the page
// with a reload button: the widgets below no longer do anything, and a reload starts a new kernel. A page
// left before Voila's app started gets its kernel shut down by the guard's beacon (below).
(() => {
  const POLL_MS = __POLL_MS__;
  const OFFLINE = "Lost contact with the server; retrying. If this lasts, the server may have stopped.";
  const node = document.getElementById("jupyter-config-data");
  let config = {};
  try { config = JSON.parse(node ? node.textContent : "{}"); } catch (e) { return; }
  if (!config.kernelId) return;
  // "from=page": the server counts this page as still there, even before its kernel's websocket opens
  const url = `${config.baseUrl || "/"}latticelab/api/kernels/${config.kernelId}?from=page`;
  let leaving = false;
  window.addEventListener("beforeunload", () => { leaving = true; });

  // Voila sends its shutdown beacon from a "beforeunload" listener that its app sets up only once started (in
  // its widget manager plugin, after every extension has loaded and the kernel's model was fetched). A page
  // left before that (a quick reload, a student clicking on from the landing page on a loaded server) sent
  // none, and its kernel waited for the collector (--orphan-grace). Until Voila's listener exists (seen as it
  // is added), the guard sends the same beacon, with the same _xsrf form field, when the page goes away.
  let voilaBeacon = false;
  const addListener = window.addEventListener;
  window.addEventListener = function (type, listener, ...rest) {
    if (type === "beforeunload" && typeof listener === "function" && String(listener).includes("api/shutdown")) {
      voilaBeacon = true;
    }
    return addListener.call(this || window, type, listener, ...rest);
  };
  addListener.call(window, "pagehide", () => {
    leaving = true;
    if (voilaBeacon || !navigator.sendBeacon) return;
    const form = new FormData();
    const xsrf = document.cookie.match(/\b_xsrf=([^;]*)\b/);
    form.append("_xsrf", (xsrf && xsrf[1]) || "");
    navigator.sendBeacon(`${config.baseUrl || "/"}voila/api/shutdown/${config.kernelId}`, form);
  });

  function banner(state, text) {
    let box = document.getElementById("latticelab-kernel-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "latticelab-kernel-banner";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:10000;padding:10px 16px;font:15px sans-serif;"
        + "display:flex;gap:12px;align-items:center;box-shadow:0 2px 6px rgba(0,0,0,.3)";
      const msg = document.createElement("span");
      const button = document.createElement("button");
      button.textContent = "Reload";
      button.onclick = () => window.location.reload();
      box.append(msg, button);
      document.body.prepend(box);
    }
    box.dataset.state = state;
    box.style.background = state === "offline" ? "#fff3cd" : "#f8d7da";
    box.firstChild.textContent = text;
  }

  function clear() {
    const box = document.getElementById("latticelab-kernel-banner");
    if (box) box.remove();
  }

  async function poll() {
    if (leaving) return;
    let reply = null;
    try {
      const r = await fetch(url, { cache: "no-store", credentials: "same-origin" });
      reply = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
    } catch (e) {
      reply = null;
    }
    if (leaving) return;
    if (reply === null) {
      banner("offline", OFFLINE);
    } else if (reply.state === "alive") {
      clear();
    } else {
      banner(reply.state, reply.message);
      return; // the kernel will not come back: stop asking
    }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();
