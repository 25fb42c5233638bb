// Streams an X12 file through one npm parser and prints one JSON line with
// the throughput: node bench.js FILE node-x12|x12-parser
'use strict';
const fs = require('fs');

const [file, lib] = process.argv.slice(2);
const size = fs.statSync(file).size;
const t0 = process.hrtime.bigint();
let segments = 0;

function done() {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({
    lib, bytes: size, seconds, mb_per_s: size / 1e6 / seconds, segments,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
  }));
}

function fail(err) {
  console.error(`${lib}: ${err && err.stack || err}`);
  process.exit(1);
}

if (lib === 'x12-parser') {
  // Streaming: one object per segment.
  const { X12parser } = require('x12-parser');
  fs.createReadStream(file).on('error', fail)
    .pipe(new X12parser()).on('error', fail)
    .on('data', () => { segments++; })
    .on('end', done);
} else if (lib === 'node-x12') {
  // node-x12 1.7.1's stream mode re-detects the delimiters on every chunk
  // (_parsedISA is never set), so any file larger than one chunk fails with
  // "The ISA segment is not the correct length"; its documented whole-string
  // parse() is used instead (file read inside the timed region).
  const { X12Parser } = require('node-x12');
  try {
    const text = fs.readFileSync(file, 'utf8');
    const ic = new X12Parser(true).parse(text);
    const ics = ic.interchanges || [ic];
    for (const i of ics) {
      segments += 2;
      for (const g of i.functionalGroups) {
        segments += 2;
        for (const t of g.transactions) segments += 2 + t.segments.length;
      }
    }
  } catch (err) {
    fail(err);
  }
  done();
} else {
  fail(`unknown library ${lib}`);
}
