// tests/wasi/node-run.mjs — run a WASI command module under Node's built-in
// WASI (node:wasi, preview1), with the same command line as kpio-wasm run:
//
//   node --no-warnings node-run.mjs [--dir HOST[::GUEST]] [--env K=V] MODULE.wasm [ARGS...]
//
// The exit status is the module's (proc_exit code, 0 when _start returns).
// A trap prints a line on stderr and exits 134, as kpio-wasm and wasmtime do.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const env = {};
const preopens = {};
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i += 2) {
  const [opt, val] = [argv[i], argv[i + 1]];
  if (opt === '--dir') {
    const sep = val.indexOf('::');
    const host = sep < 0 ? val : val.slice(0, sep);
    preopens[sep < 0 ? val : val.slice(sep + 2)] = host;
  } else if (opt === '--env') {
    const eq = val.indexOf('=');
    env[val.slice(0, eq)] = val.slice(eq + 1);
  } else {
    process.stderr.write(`node-run: unknown option ${opt}\n`);
    process.exit(2);
  }
}
const modulePath = argv[i];
const wasi = new WASI({
  version: 'preview1',
  args: argv.slice(i),
  env,
  preopens,
  returnOnExit: true,
});
try {
  const module = await WebAssembly.compile(readFileSync(modulePath));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  process.exitCode = wasi.start(instance);
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError) {
    process.stderr.write(`node-run: ${modulePath}: wasm trap: ${e.message}\n`);
    process.exitCode = 134;
  } else {
    throw e;
  }
}
