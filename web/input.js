// input.js: the reader's input (a drawn digit, a probe point, placed points) and a module's
// action buttons, through the wasm exports of SPEC §1 (mlm_js_input_get/set, mlm_js_action).
// Every call is feature-detected: an instance may offer the method itself (a Web Worker proxy
// does), else the Emscripten module's export is used, else the module has no input and these
// do nothing. The input text is ASCII over [A-Za-z0-9_.~-] (state.js checks a link's before it
// comes here), at most MLM_INPUT_MAX bytes.
import { INPUT_MAX, decodeInput } from './state.js';

const exported = (inst, name) => !!(inst && inst.M && typeof inst.M[name] === 'function');

export function hasInput(inst) {
  return !!inst && (typeof inst.inputGet === 'function' || exported(inst, '_mlm_js_input_get'));
}

// The run's input as link text, or '' when there is none (or the engine cannot say).
export function inputGet(inst) {
  if (!inst) return '';
  if (typeof inst.inputGet === 'function') return inst.inputGet() || '';
  if (!exported(inst, '_mlm_js_input_get')) return '';
  const M = inst.M;
  const p = M._mlm_js_input_get(inst.ptr);
  return p ? M.UTF8ToString(p, INPUT_MAX + 1) : '';
}

// Read `text` into the (fresh) run. Returns true when the module took it, false when it refused
// it (the run is left as it was) or has no input at all.
export function inputSet(inst, text) {
  if (!inst || decodeInput(text).refused) return false;
  if (typeof inst.inputSet === 'function') { const r = inst.inputSet(text); return r === true || r === 0; }
  if (!exported(inst, '_mlm_js_input_set') || !exported(inst, '_mlm_js_input_get')) return false;
  const M = inst.M;
  // The wasm build exports no allocator: the text goes in a static buffer of MLM_INPUT_MAX + 1
  // bytes, mlm_js_input_buffer's (or, from a build without it, mlm_js_input_get's, which is ours
  // until the next call).
  const buf = typeof M._mlm_js_input_buffer === 'function' ? M._mlm_js_input_buffer() : M._mlm_js_input_get(inst.ptr);
  if (!buf) return false;
  for (let k = 0; k < text.length; k++) M.HEAPU8[buf + k] = text.charCodeAt(k);
  M.HEAPU8[buf + text.length] = 0;
  return M._mlm_js_input_set(inst.ptr, buf) === 0;
}

// Press action button k. Returns 1 when the module restarted the run (the widget must drop its
// timeline), 0 otherwise.
export function action(inst, k) {
  if (!inst) return 0;
  if (typeof inst.action === 'function') return inst.action(k) === 1 ? 1 : 0;
  if (!exported(inst, '_mlm_js_action')) return 0;
  return inst.M._mlm_js_action(inst.ptr, k) === 1 ? 1 : 0;
}

// Pointer input; 1 when it restarted the run (mlm_js_pointer returns int after SPEC §1, nothing
// before it: undefined reads as 0).
export function pointer(inst, panel, kind, x, y) {
  if (!inst) return 0;
  if (inst.M && typeof inst.M._mlm_js_pointer === 'function' && inst.ptr !== undefined) {
    return inst.M._mlm_js_pointer(inst.ptr, panel, kind, x, y) === 1 ? 1 : 0;
  }
  return inst.pointer(panel, kind, x, y) === 1 ? 1 : 0;
}
