// Draws the load report's charts with uPlot from the JSON embedded in the page: this run, and with --compare a
// previous run as dashed curves. window.countersignCharts lists what was drawn (the browser test reads it).
(function () {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const cur = data.current;
  const prev = data.previous;
  const width = Math.min(960, document.body.clientWidth);
  const drawn = [];
  window.countersignCharts = drawn;

  const colours = { offered: '#999999', accepted: '#2b7bb9', delivered: '#2e9e44', backlog: '#e08a00',
    p50: '#2b7bb9', p90: '#7a5cc7', p99: '#d9534f', max: '#333333' };

  function series(label, stroke, opts) {
    return Object.assign({ label, stroke, width: 2, spanGaps: true }, opts || {});
  }

  function previousOf(s) {
    return Object.assign({}, s, { label: s.label + ' (previous)', dash: [6, 4], width: 1.5 });
  }

  // aligned columns for uPlot from an array of row objects
  function columns(rows, x, keys) {
    return [rows.map(r => x(r))].concat(keys.map(k => rows.map(r => r[k])));
  }

  function draw(id, title, opts, tables, seriesList) {
    const el = document.getElementById(id);
    if (!el) return;
    const aligned = tables.length === 1 ? tables[0] : uPlot.join(tables);
    const points = aligned.slice(1).reduce((n, col) => n + col.filter(v => v != null).length, 0);
    const chart = new uPlot(Object.assign({ title, width, height: 320, series: seriesList,
      legend: { live: true } }, opts), aligned, el);
    drawn.push({ id, series: seriesList.length - 1, points, chart });
  }

  const seconds = r => Math.round(r.t);
  const latencyName = cur.settings.ingestOnly ? 'accept' : 'end to end';

  // 1. offered, accepted and delivered per second, and the backlog on its own axis
  {
    const keys = ['offered', 'accepted', 'delivered', 'backlog'];
    const base = keys.map(k => series(k + (k === 'backlog' ? ' (deliveries owed)' : ' /s'), colours[k],
      k === 'backlog' ? { scale: 'backlog' } : {}));
    const tables = [columns(cur.timeline || [], seconds, keys)];
    let list = [{ label: 'elapsed (s)' }].concat(base);
    if (prev && prev.timeline) {
      tables.push(columns(prev.timeline, seconds, keys));
      list = list.concat(base.map(previousOf));
    }
    draw('chart-throughput', 'Events per second and backlog', {
      scales: { x: { time: false } },
      axes: [{ label: 'elapsed (s)', grid: { show: true } },
        { label: 'events/s', grid: { show: true }, size: 70 },
        { label: 'backlog (deliveries)', scale: 'backlog', side: 1, grid: { show: false }, size: 80 }],
    }, tables, list);
  }

  // 2. latency over time
  {
    const keys = ['p50', 'p90', 'p99', 'max'];
    const base = keys.map(k => series(k + ' (ms)', colours[k]));
    const tables = [columns(cur.timeline || [], seconds, keys)];
    let list = [{ label: 'elapsed (s)' }].concat(base);
    if (prev && prev.timeline) {
      tables.push(columns(prev.timeline, seconds, keys));
      list = list.concat(base.map(previousOf));
    }
    draw('chart-latency', 'Latency (' + latencyName + ') per second', {
      scales: { x: { time: false } },
      axes: [{ label: 'elapsed (s)', grid: { show: true } }, { label: 'ms', grid: { show: true }, size: 70 }],
    }, tables, list);
  }

  // 3. the percentile distribution on HdrHistogram's log axis: x = 1 / (1 - q)
  {
    const inverse = p => 1 / (1 - p[0] / 100);
    const pick = s => (s.distribution || {})[cur.settings.ingestOnly ? 'accept' : 'endToEnd'] || [];
    const pctLabel = v => {
      const q = 100 * (1 - 1 / v);
      return parseFloat(q.toFixed(3)) + '%';
    };
    const tables = [[pick(cur).map(inverse), pick(cur).map(p => p[1])]];
    let list = [{ label: 'percentile', value: (u, v) => v == null ? '-' : pctLabel(v) },
      series(latencyName + ' (ms)', colours.p99)];
    if (prev && pick(prev).length) {
      tables.push([pick(prev).map(inverse), pick(prev).map(p => p[1])]);
      list.push(previousOf(list[1]));
    }
    draw('chart-distribution', 'Latency (' + latencyName + ') by percentile', {
      scales: { x: { time: false, distr: 3, log: 10, range: () => [2, 100000] } },
      axes: [{ label: 'percentile', grid: { show: true }, splits: () => [2, 10, 100, 1000, 10000, 100000],
        filter: (u, splits) => splits, values: (u, splits) => splits.map(pctLabel) },
        { label: 'ms', grid: { show: true }, size: 70 }],
    }, tables, list);
  }

  // 4. find-max: each step's offered rate against its p99, with the SLO line
  if (cur.steps) {
    const slo = parseFloat(cur.settings.sloP99) * (/ms$/.test(cur.settings.sloP99) ? 1 : 1000);
    const stepTable = s => [s.steps.map(x => Math.round(x.rate)), s.steps.map(x => x.p99Ms), s.steps.map(() => slo)];
    const tables = [stepTable(cur)];
    let list = [{ label: 'offered (events/s)' }, series('p99 (ms)', colours.p99, { points: { show: true, size: 8 } }),
      series('SLO (ms)', '#222222', { dash: [2, 4], width: 1 })];
    if (prev && prev.steps) {
      tables.push(stepTable(prev));
      list = list.concat([previousOf(list[1]), previousOf(list[2])]);
    }
    draw('chart-steps', 'Find-max: p99 at each step', {
      scales: { x: { time: false } },
      axes: [{ label: 'offered (events/s)', grid: { show: true } }, { label: 'p99 (ms)', grid: { show: true }, size: 70 }],
    }, tables, list);
  }
})();
