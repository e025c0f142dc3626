// Preloaded into the benchmark's node children (`node --require bench/rss.cjs ...`, or NODE_OPTIONS for
// processes kpt starts): at exit, appends "<pid> <peak RSS in KiB> <script>" to the file named by
// $BENCH_RSS_FILE. process.resourceUsage().maxRSS is getrusage's ru_maxrss, the high-water mark.
'use strict';
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS} ${process.argv[1] ?? '-'}\n`);
  });
}
