/**
 * Prometheus metrics in the text exposition format (version 0.0.4), without a client library:
 * counters, gauges and one latency histogram, labelled by route template (never by URL, which
 * could carry case ids) and status.
 */

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Map<string, number>;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, type: Family['type'], help: string): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, 'counter', help);
    const k = labelText(labels);
    f.values.set(k, (f.values.get(k) ?? 0) + by);
  }

  set(name: string, help: string, labels: Labels, value: number): void {
    this.family(name, 'gauge', help).values.set(labelText(labels), value);
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    const f = this.family(name, 'histogram', help);
    for (const le of BUCKETS) {
      if (seconds <= le) {
        const k = labelText({ ...labels, le: String(le) });
        f.values.set(k, (f.values.get(k) ?? 0) + 1);
      }
    }
    const inf = labelText({ ...labels, le: '+Inf' });
    f.values.set(inf, (f.values.get(inf) ?? 0) + 1);
    const sum = `_sum${labelText(labels)}`;
    f.values.set(sum, (f.values.get(sum) ?? 0) + seconds);
    const count = `_count${labelText(labels)}`;
    f.values.set(count, (f.values.get(count) ?? 0) + 1);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [k, v] of f.values) {
        if (f.type === 'histogram') {
          if (k.startsWith('_sum') || k.startsWith('_count')) {
            const suffix = k.startsWith('_sum') ? '_sum' : '_count';
            lines.push(`${name}${suffix}${k.slice(suffix.length)} ${v}`);
          } else lines.push(`${name}_bucket${k} ${v}`);
        } else lines.push(`${name}${k} ${v}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}
