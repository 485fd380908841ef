// Build front-end assets into knowledgehub/static/vendor (git-ignored).
// Run with `npm run build` (the Makefile does this for you).
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
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
// Images only (favicon etc.); the GDS Transport font files are deliberately not copied.
cpSync(join(nm, "govuk-frontend", "dist", "govuk", "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
console.log("assets built in", out);
