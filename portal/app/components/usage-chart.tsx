/**
 * Usage over time as inline SVG bars (no chart library: a few rectangles weigh nothing), with the same
 * figures in a table for screen readers and keyboard users.
 */
export function UsageChart({ points, unit }: { points: { label: string; value: number }[]; unit: string }) {
  const max = Math.max(...points.map((p) => p.value), 0);
  const width = 100 / Math.max(points.length, 1);
  return (
    <figure className="usage-chart">
      <svg viewBox="0 0 100 50" preserveAspectRatio="none" aria-hidden="true" data-testid="usage-chart">
        <line x1="0" y1="49.5" x2="100" y2="49.5" className="chart-axis" />
        {points.map((p, i) => {
          const h = max > 0 ? (p.value / max) * 46 : 0;
          return (
            <rect
              key={p.label}
              x={i * width + width * 0.15}
              y={49 - h}
              width={width * 0.7}
              height={h}
              className="chart-bar"
            />
          );
        })}
      </svg>
      <figcaption>
        <table aria-label={`Usage per day (${unit})`} className="compact">
          <thead>
            <tr>
              {points.map((p) => (
                <th key={p.label} scope="col">
                  {p.label.slice(5)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              {points.map((p) => (
                <td key={p.label}>{round(p.value)}</td>
              ))}
            </tr>
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}

/** Two decimals, three below 1 (a few minutes of a small VM is not zero). */
export const round = (n: number) => (n < 1 ? Math.round(n * 1000) / 1000 : Math.round(n * 100) / 100);
