/** What to look at once the demo runs, printed after the URL (one line each, for a terminal). */
export function demoGuide(ui: string, dataDir: string): string {
  const d = dataDir === './data' ? '' : ` --data-dir ${dataDir}`;
  return [
    'demo mesh running (Bookinfo-like, 5 req/s, STRICT mTLS). Look at:',
    `  topology      ${ui}/topology?graph=versioned  productpage → details, reviews v1/v2/v3, ratings, orders → bookstore (a database)`,
    `  canary split  the productpage → reviews edges: 80 % v1, 10 % v2, 10 % v3`,
    `  failing edge  reviews → ratings: ~2 % injected 503s and some 150 ms delays (${ui}/services/ratings)`,
    `  traces        ${ui}/traces?service=productpage`,
    `  the alert     ${ui}/alerts  DemoRatingsErrorRate: run \`meshscope demo fault on${d}\` to fire it, \`off\` to resolve`,
  ].join('\n');
}
