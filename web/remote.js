// remote.js: where a widget's run lives. openRun() loads the module and returns a Run (web/run.js)
// on the main thread.
import { Instance, loadModule } from './engine.js';
import { Run } from './run.js';

export async function openRun(manifest, listener) {
  const M = await loadModule(manifest.module);
  return new Run(new Instance(M, manifest), listener);
}
