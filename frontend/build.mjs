// Build Seedbed's front end into frontend/build/seedbed/: the compiled stylesheet, GOV.UK
// Frontend's JavaScript and our own small scripts. No asset is fetched from a CDN.
import { mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "frontend", "build", "seedbed");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(root, "frontend", "scss", "seedbed.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "color-functions"],
});
writeFileSync(join(out, "seedbed.css"), result.css);

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(root, "frontend", "js", "init.js"), join(out, "init.js"));
copyFileSync(join(root, "frontend", "favicon.svg"), join(out, "favicon.svg"));
console.log(`front end built in ${out}`);
