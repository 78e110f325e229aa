// The dashboard page's wiring: socket → store → one render per animation frame (charts, runs panel,
// histograms, optimizer paths), plus the toolbar and the exports. No logic of its own.

import { CHART_NAMES, type ChartName, Charts } from './charts.js';
import { ConfigView } from './config-view.js';
import { fetchRunCsv } from './csv.js';
import { download, downloadPng } from './export.js';
import { HistogramView } from './histogram-view.js';
import { PathView } from './path-view.js';
import { RunsTable } from './runs-table.js';
import { type ConnectionState, DashboardSocket } from './socket.js';
import { DashboardStore } from './store.js';

const token = new URLSearchParams(location.search).get('token') ?? undefined;
const store = new DashboardStore();
const charts = new Charts(store);
let drawn = -1;
const redraw = () => {
  drawn = -1;
};
const histograms = new HistogramView(store, redraw);
const paths = new PathView(store);
const socket = new DashboardSocket(store, token, (state: ConnectionState, detail?: string) => {
  const pill = document.getElementById('connection')!;
  pill.dataset.state = state;
  pill.textContent = { connecting: 'connecting…', live: 'live', offline: 'reconnecting…' }[state];
  pill.title = detail ?? '';
});
const runsTable = new RunsTable(store, {
  toggle: (runId) => store.toggle(runId),
  control: (runId, action, lr) => void socket.control(runId, action, lr),
  warn: (message) => store.setNotice(message, 'warn'),
  changed: redraw,
  csv: async (runId) => {
    const run = store.runs.get(runId);
    if (!run) return;
    // Full resolution from the server's store; the page's (maybe downsampled) buffer when it has none.
    const { text, source } = await fetchRunCsv(run, token);
    download(new Blob([text], { type: 'text/csv' }), `${runId}.csv`);
    if (source === 'page')
      store.setNotice(`${runId}.csv: from the page's buffer (the server has no stored copy)`, 'info');
  },
});
const configView = new ConfigView();

const smoothing = document.getElementById('smoothing') as HTMLInputElement;
const smoothingValue = document.getElementById('smoothing-value')!;
smoothing.addEventListener('input', () => {
  store.setSmoothing(smoothing.valueAsNumber);
  smoothingValue.textContent = smoothing.valueAsNumber.toFixed(2);
});
const logScale = document.getElementById('log-scale') as HTMLInputElement;
charts.log = logScale.checked;
logScale.addEventListener('change', () => {
  charts.log = logScale.checked;
  redraw();
});

const CHART_TITLES: Record<ChartName, string> = {
  loss: 'Loss',
  accuracy: 'Accuracy',
  lr: 'Learning rate',
  speed: 'Samples per second',
};
document.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest<HTMLElement>('[data-png]');
  if (!target) return;
  const name = target.dataset.png!;
  const visible = [...store.runs.values()].filter((r) => r.visible);
  const plot = CHART_NAMES.includes(name as ChartName) ? charts.plot(name as ChartName) : undefined;
  const canvas =
    plot?.ctx.canvas ??
    (name === 'path' ? (document.getElementById('path-canvas') as HTMLCanvasElement) : undefined);
  if (canvas)
    downloadPng(canvas, CHART_TITLES[name as ChartName] ?? 'Optimizer paths', visible, `${name}.png`);
});

new ResizeObserver(() => {
  charts.resize();
  redraw();
}).observe(document.querySelector('.charts')!);

// At most one draw (and one setData per chart) per animation frame, however fast frames arrive.
const frame = () => {
  if (store.version !== drawn) {
    drawn = store.version;
    charts.update();
    runsTable.update();
    configView.update(runsTable.rows);
    histograms.update();
    paths.update();
    const notice = document.getElementById('notice')!;
    notice.textContent = store.notice ?? '';
    notice.dataset.level = store.noticeLevel;
  }
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);
socket.start();
