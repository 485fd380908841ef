// Build front-end assets into knowledgehub/static/vendor (git-ignored).
// Run with `npm run build` (the Makefile does this for you).
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "knowledgehub", "static", "vendor");
const nm = join(root, "node_modules");
mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const result = sass.compile(join(root, "assets", "scss", "main.scss"), {
  loadPaths: [nm],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
if (result.css.includes("GDS Transport")) {
  throw new Error("compiled CSS still references the GDS Transport font");
}
writeFileSync(join(out, "css", "main.css"), result.css);

cpSync(join(nm, "govuk-frontend", "dist", "govuk", "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
cpSync(join(nm, "htmx.org", "dist", "htmx.min.js"), join(out, "js", "htmx.min.js"));
// Interactive heat maps: Vega, Vega-Lite and vega-embed as browser globals (UMD builds), and
// vega-interpreter (an ES module) reading vega-util from the vega global, so that expressions are
// interpreted rather than compiled with `new Function` (no 'unsafe-eval' in the CSP).
for (const [pkg, file] of [["vega", "vega.min.js"], ["vega-lite", "vega-lite.min.js"], ["vega-embed", "vega-embed.min.js"]]) {
  cpSync(join(nm, pkg, "build", file), join(out, "js", file));
}
// Their source maps too: collectstatic's manifest storage fails on a missing referenced map.
for (const [pkg, file] of [["vega-lite", "vega-lite.min.js.map"], ["vega-embed", "vega-embed.min.js.map"], ["vega-interpreter", "vega-interpreter.js.map"]]) {
  cpSync(join(nm, pkg, "build", file), join(out, "js", file));
}
const vegaImport = /^import \{([^}]*)\} from 'vega-util';$/m;
const interpreter = readFileSync(join(nm, "vega-interpreter", "build", "vega-interpreter.js"), "utf8");
if (!vegaImport.test(interpreter)) {
  throw new Error("vega-interpreter no longer imports vega-util as expected: update build-assets.mjs");
}
writeFileSync(join(out, "js", "vega-interpreter.js"), interpreter.replace(vegaImport, "const {$1} = globalThis.vega;"));
// Images only (favicon etc.); the GDS Transport font files are deliberately not copied.
cpSync(join(nm, "govuk-frontend", "dist", "govuk", "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
console.log("assets built in", out);
