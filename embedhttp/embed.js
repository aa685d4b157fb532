/* embedhttp/embed.js, see the Go package doc */
((w, d) => {
  if (w.biembed) return;
  const all = {}, ms = t => Date.parse(t) || 0;
  const emit = (s, type, detail) =>
    s.frames.forEach(f => f.dispatchEvent(new CustomEvent("biembed:" + type, {detail})));
  const later = (s, delay) => {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => refresh(s), Math.min(delay, 2e9));
  };
  // an answer: this tab's or a peer's
  const use = (s, a, peer) => {
    const old = s.cur, swap = !old || a.id !== old.id, detail = {expiresAt: a.expiresAt, replaced: swap};
    if (!a.url || old && ms(a.now) < ms(old.now)) return;
    s.cur = a, s.gen++, s.fails = 0;
    if (swap) s.frames.forEach(f => (f.src = a.url));
    if (!peer && s.ch) s.ch.postMessage(a);
    emit(s, "refreshed", detail);
    if (swap && old) emit(s, "replaced", detail);
    later(s, Math.max(1e3, ms(a.refreshAfter) - ms(a.now))); // in server time
  };
  const call = (s, path, body) => {
    const ac = new AbortController(), t = setTimeout(() => ac.abort(), 15e3);
    return fetch(s.base + "/" + path, {method: "POST", credentials: "same-origin", signal: ac.signal,
      headers: {"X-Biembed": "1"}, body: JSON.stringify(body)})
      .then(r => r.ok ? r.json() : Promise.reject({status: r.status, retry: +r.headers.get("Retry-After")}))
      .finally(() => clearTimeout(t));
  };
  // one call at a time per tab, and across tabs (Web Locks)
  const refresh = s => {
    if (s.busy) return;
    s.busy = true;
    clearTimeout(s.timer);
    const gen = s.gen, run = () => s.gen !== gen ? 0 : // a peer answered meanwhile
      call(s, s.cur ? "extend" : "token", s.cur ? {id: s.cur.id} : {}).then(a => use(s, a));
    Promise.resolve(navigator.locks ? navigator.locks.request("biembed:" + s.base, run) : run())
      .catch(e => {
        const status = e.status || 0;
        emit(s, "failed", {status});
        if (!status || status === 429 || status >= 502) // backoff, full jitter
          later(s, Math.max(Math.random() * Math.min(6e4, 1e3 << Math.min(s.fails++, 6)), e.retry * 1e3 || 0));
      })
      .then(() => (s.busy = false));
  };
  const attach = (f, base) => {
    base = (base || f.dataset.biembed || "").replace(/\/+$/, "");
    let s = all[base];
    if (!s) {
      s = all[base] = {base, frames: [], gen: 0, fails: 0};
      if (w.BroadcastChannel) (s.ch = new BroadcastChannel("biembed:" + base)).onmessage = e => use(s, e.data, true);
    }
    if (!s.frames.includes(f)) s.frames.push(f);
    if (!s.cur) refresh(s);
    else if (f.src !== s.cur.url) f.src = s.cur.url;
  };
  const wake = () => d.visibilityState === "hidden" || Object.values(all).forEach(refresh);
  d.addEventListener("visibilitychange", wake);
  w.addEventListener("online", wake);
  w.biembed = {attach};
  const scan = () => d.querySelectorAll("iframe[data-biembed]").forEach(f => attach(f));
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan);
  else scan();
})(window, document);
