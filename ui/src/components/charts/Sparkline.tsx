import { Line, LineChart, YAxis } from 'recharts';

/** A tiny trend line for table cells: fixed size, no axes, no animation (tables hold many). */
export function Sparkline({
  values,
  colour = '#0066cc',
  label,
}: {
  values: (number | null)[];
  colour?: string;
  label: string;
}) {
  if (values.length < 2 || values.every((v) => v === null)) {
    return (
      <span className="sparkline-empty" aria-label={`${label}: no data`}>
        –
      </span>
    );
  }
  const data = values.map((v, i) => ({ i, v }));
  return (
    <span className="sparkline" role="img" aria-label={label}>
      <LineChart width={90} height={24} data={data} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
        <YAxis hide domain={[0, 'dataMax']} />
        <Line dataKey="v" stroke={colour} dot={false} strokeWidth={1.25} isAnimationActive={false} />
      </LineChart>
    </span>
  );
}
