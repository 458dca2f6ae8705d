import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * The program as one CommonJS file for Node's single-executable support (which runs one CommonJS
 * script and can require only Node's built-in modules): esbuild bundles the compiled program
 * (dist/src/cli/main.js) with its dependencies. The two modules that find files or libraries on
 * disk relative to themselves are replaced by their packaging/sea/ versions, which embed them;
 * everything else is the code `node dist/src/cli/main.js` runs. Lazily loaded commands and
 * libraries stay lazy: esbuild turns `await import()` and `require()` into calls of the bundled
 * module's initialiser.
 */

const EMBEDDED = 'lvsync-embedded:schema-text';

function seaModules(root: string): Plugin {
  const replaced = new Map([
    [join(root, 'dist/src/package-files.js'), join(root, 'dist/packaging/sea/package-files.js')],
    [join(root, 'dist/src/lazy-libs.js'), join(root, 'dist/packaging/sea/lazy-libs.js')],
  ]);
  return {
    name: 'lvsync-sea-modules',
    setup(b) {
      b.onResolve({ filter: /(^|\/)(package-files|lazy-libs)\.js$/ }, (args) => {
        const path = replaced.get(join(args.resolveDir, args.path));
        return path === undefined ? undefined : { path };
      });
      b.onResolve({ filter: new RegExp(`^${EMBEDDED}$`) }, () => ({ path: EMBEDDED, namespace: 'lvsync-embedded' }));
      b.onLoad({ filter: /.*/, namespace: 'lvsync-embedded' }, () => ({
        contents: readFileSync(join(root, 'schema/desired-state.v1.schema.json'), 'utf8'),
        loader: 'text',
      }));
    },
  };
}

/** Bundles the built tree at `root` (after `npm run build`) into `outfile`; returns esbuild's warnings. */
export async function bundle(root: string, outfile: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, 'dist/src/cli/main.js')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    plugins: [seaModules(root)],
    logLevel: 'silent',
    legalComments: 'none',
    metafile: false,
  });
  return result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
}
