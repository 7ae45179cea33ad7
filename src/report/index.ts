/** Figures as specs, SVG rendering, self-contained HTML reports. */
export * from './figure.js';
export { formatNumber, linearTicks, logTicks, niceLinearDomain, niceLogDomain, niceStep, type Tick } from './scale.js';
export { escapeXml, renderSvg } from './svg.js';
export {
  type Cell,
  formatCell,
  paperHtml,
  type PaperVsHere,
  paragraphsHtml,
  renderHtml,
  type ReportFigure,
  type ReportInput,
  type ReportSection,
  type ReportTable,
  tableHtml,
} from './html.js';
