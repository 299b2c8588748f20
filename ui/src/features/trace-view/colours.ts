/** Service colours (a qualitative palette), assigned in order of first appearance in the trace. */
const PALETTE = [
  '#17b8be',
  '#f8dca1',
  '#b7885e',
  '#ffcb99',
  '#f89570',
  '#829ae3',
  '#e79fd5',
  '#1e96be',
  '#89dac1',
  '#b3ad9e',
  '#12939a',
  '#ddb27c',
  '#88572c',
  '#ff9833',
  '#ef5d28',
  '#162a65',
  '#da70bf',
  '#125c77',
  '#4dc19c',
  '#776e57',
];

export function serviceColours(services: readonly string[]): Map<string, string> {
  return new Map(services.map((s, i) => [s, PALETTE[i % PALETTE.length] ?? '#17b8be']));
}
