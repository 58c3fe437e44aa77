/**
 * The widget's styles, scoped to its shadow root: `:host { all: initial }`
 * stops the page's inherited styles at the boundary, and nothing here can
 * reach the page. Colours come from the workspace as CSS variables.
 */
export const CSS = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
.root {
  --brand: #1c7ed6; --brand-text: #fff; --bg: #fff; --fg: #1f2328; --muted: #5c6570; --line: #e3e6ea;
  --soft: #f3f5f7; --radius: 14px; --shadow: 0 12px 40px rgba(15, 23, 42, .22);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); position: fixed; z-index: 2147483000; bottom: 20px; right: 20px;
}
.root.left { right: auto; left: 20px; }
button, input, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--brand) 60%, #000); outline-offset: 2px; }
.launcher {
  width: 58px; height: 58px; border-radius: 50%; border: 0; background: var(--brand); color: var(--brand-text);
  box-shadow: var(--shadow); display: grid; place-items: center; position: relative; margin-left: auto;
}
.root.left .launcher { margin-left: 0; }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: #e03131; color: #fff; font-size: 12px; font-weight: 700; display: grid; place-items: center;
}
.panel {
  position: absolute; bottom: 74px; right: 0; width: 380px; height: min(640px, calc(100vh - 120px));
  background: var(--bg); border-radius: var(--radius); box-shadow: var(--shadow); display: flex;
  flex-direction: column; overflow: hidden;
}
.root.left .panel { right: auto; left: 0; }
.panel[hidden] { display: none; }
.header { background: var(--brand); color: var(--brand-text); padding: 14px 14px 12px 18px; display: flex; align-items: center; gap: 8px; }
.header h2 { font-size: 16px; margin: 0; flex: 1; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.icon-btn { background: transparent; border: 0; color: inherit; width: 34px; height: 34px; border-radius: 8px; display: grid; place-items: center; font-size: 20px; line-height: 1; }
.icon-btn:hover { background: rgba(255,255,255,.18); }
.tabs { display: flex; border-bottom: 1px solid var(--line); }
.tabs button { flex: 1; background: none; border: 0; padding: 10px; color: var(--muted); border-bottom: 2px solid transparent; }
.tabs button[aria-selected="true"] { color: var(--fg); border-bottom-color: var(--brand); font-weight: 600; }
.body { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 14px; }
.body.chat { padding: 0; gap: 0; overflow: hidden; }
.greeting { font-size: 18px; font-weight: 650; margin: 0; white-space: pre-wrap; }
.note { color: var(--muted); margin: 0; font-size: 13px; }
.card { border: 1px solid var(--line); border-radius: 12px; padding: 12px; display: flex; flex-direction: column; gap: 10px; }
.primary { background: var(--brand); color: var(--brand-text); border: 0; border-radius: 10px; padding: 10px 14px; font-weight: 600; }
.primary:disabled { opacity: .55; cursor: default; }
.secondary { background: var(--soft); border: 1px solid var(--line); border-radius: 10px; padding: 8px 12px; }
label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; color: var(--muted); }
input[type=text], input[type=email], input[type=search], textarea {
  width: 100%; border: 1px solid var(--line); border-radius: 10px; padding: 9px 11px; background: #fff; color: var(--fg);
}
textarea { resize: none; }
.list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.item { width: 100%; text-align: left; background: var(--soft); border: 1px solid transparent; border-radius: 10px; padding: 9px 11px; display: flex; flex-direction: column; gap: 2px; }
.item:hover { border-color: var(--line); }
.item .title { font-weight: 600; }
.item .sub { color: var(--muted); font-size: 13px; overflow: hidden; text-overflow: ellipsis; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.item .reason { color: var(--brand); font-size: 12px; font-weight: 600; }
.item .unread { color: var(--brand); font-weight: 700; font-size: 12px; }
mark { background: #fff3bf; color: inherit; }
.article h3 { margin: 0 0 6px; font-size: 18px; }
.article .content { overflow-wrap: anywhere; }
.article .content img { max-width: 100%; height: auto; }
.article .content a { color: var(--brand); }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px; }
.msg { max-width: 82%; display: flex; flex-direction: column; gap: 3px; }
.msg.mine { align-self: flex-end; align-items: flex-end; }
.msg .who { font-size: 12px; color: var(--muted); }
.bubble { padding: 8px 12px; border-radius: 14px; background: var(--soft); white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.mine .bubble { background: var(--brand); color: var(--brand-text); }
.msg.mine .bubble a { color: inherit; }
.msg.failed .bubble { opacity: .6; }
.msg.bot .bubble { background: #f1ecfb; border: 1px solid #ddd2f5; }
.msg.draft .bubble { border-style: dashed; }
.quick { display: flex; gap: 8px; align-self: flex-start; }
.tag { font-size: 10px; font-weight: 700; letter-spacing: .04em; color: #5f3dc4; background: #ebe4fb; border-radius: 6px; padding: 1px 5px; vertical-align: 1px; }
.handoff { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 8px 14px; border-top: 1px solid var(--line); background: var(--soft); }
.handoff .note { flex: 1 1 180px; }
.meta { font-size: 11px; color: var(--muted); display: flex; gap: 6px; align-items: center; }
.meta button { background: none; border: 0; color: #c92a2a; text-decoration: underline; padding: 0; font-size: 11px; }
.file { display: inline-flex; gap: 6px; align-items: center; background: #fff; color: var(--fg); border: 1px solid var(--line); border-radius: 8px; padding: 4px 8px; font-size: 12px; }
.thumb { max-width: 220px; max-height: 180px; border-radius: 10px; display: block; }
.typing { min-height: 18px; padding: 0 14px; font-size: 12px; color: var(--muted); }
.banner { background: #fff4e6; color: #873800; font-size: 12px; padding: 6px 14px; }
.banner[hidden] { display: none; }
.composer { border-top: 1px solid var(--line); padding: 10px; display: flex; gap: 8px; align-items: flex-end; }
.composer textarea { max-height: 120px; }
.composer .icon-btn { color: var(--muted); }
.composer .icon-btn:hover { background: var(--soft); }
.pending-files { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 10px; }
.error { color: #c92a2a; font-size: 13px; margin: 0; }
.footer { text-align: center; color: var(--muted); font-size: 11px; padding: 6px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) {
  .root { bottom: 12px; right: 12px; }
  .root.left { left: 12px; }
  .root.open .launcher { display: none; }
  .panel { position: fixed; inset: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; bottom: 0; }
}
@media (prefers-reduced-motion: no-preference) {
  .panel { animation: pop .16s ease-out; }
  @keyframes pop { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
}
`;
