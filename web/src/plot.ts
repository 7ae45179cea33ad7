/**
 * An interactive figure: a report figure spec (src/report/figure.ts) drawn by the reports' own SVG renderer, with a
 * log/linear toggle per axis, drag-to-zoom (double-click or "reset" to undo) and the nearest point's values on
 * hover. Zoom and the toggles only rewrite the spec's axes; the renderer does all the drawing.
 */
import { type AxisSpec, type FigureSpec, type PlotSpec, renderSvg } from '../../src/browser.js';

type Num = number | null;
const CLIP_PAD = 5; // the renderer's clip rectangle extends the plot box by 5 px on each side (src/report/svg.ts)

interface Point {
  x: number;
  y: number;
  label: string;
}

function points(spec: PlotSpec): Point[] {
  const out: Point[] = [];
  for (const m of spec.marks) {
    if (m.type !== 'line' && m.type !== 'dot') continue;
    const label = m.label ?? '';
    for (let i = 0; i < m.x.length; i++) {
      const x = m.x[i] as Num;
      const y = m.y[i] as Num;
      if (x !== null && y !== null && Number.isFinite(x) && Number.isFinite(y)) out.push({ x, y, label });
    }
  }
  return out;
}

function extent(vs: number[], log: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vs) if (Number.isFinite(v) && (!log || v > 0)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
  if (!(lo <= hi)) return null;
  if (lo < hi) return [lo, hi];
  return log ? [lo / 2, hi * 2] : lo === 0 ? [-1, 1] : [lo - Math.abs(lo) / 2, hi + Math.abs(hi) / 2];
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(+v.toPrecision(5));

export class Plot {
  readonly el: HTMLElement;
  private spec: FigureSpec;
  private types: { x?: 'linear' | 'log'; y?: 'linear' | 'log' } = {};
  private zoom: { x: [number, number]; y: [number, number] } | null = null;
  private readonly holder: HTMLDivElement;
  private readonly tip: HTMLDivElement;

  constructor(
    spec: FigureSpec,
    readonly name: string,
    caption?: string,
  ) {
    this.spec = spec;
    this.el = document.createElement('figure');
    this.el.className = 'plot';
    this.el.dataset.figure = name;
    const bar = document.createElement('div');
    bar.className = 'plot-tools';
    this.holder = document.createElement('div');
    this.holder.className = 'plot-svg';
    this.tip = document.createElement('div');
    this.tip.className = 'plot-tip';
    this.tip.hidden = true;
    if (spec.type !== 'facets') {
      for (const axis of ['x', 'y'] as const) {
        const b = document.createElement('button');
        b.className = `toggle-${axis}`;
        b.type = 'button';
        const cur = (): string => this.types[axis] ?? (spec as PlotSpec)[axis]?.type ?? 'linear';
        b.textContent = `${axis}: ${cur()}`;
        b.onclick = () => {
          this.types[axis] = cur() === 'log' ? 'linear' : 'log';
          this.zoom = null;
          b.textContent = `${axis}: ${cur()}`;
          this.draw();
        };
        bar.append(b);
      }
      const reset = document.createElement('button');
      reset.type = 'button';
      reset.textContent = 'reset zoom';
      reset.onclick = () => {
        this.zoom = null;
        this.draw();
      };
      bar.append(reset);
      const hint = document.createElement('span');
      hint.className = 'hint';
      hint.textContent = 'drag to zoom · hover for values';
      bar.append(hint);
    }
    this.el.append(bar, this.holder, this.tip);
    if (caption) {
      const c = document.createElement('figcaption');
      c.textContent = caption;
      this.el.append(c);
    }
    this.draw();
    if (spec.type !== 'facets') this.interact();
  }

  update(spec: FigureSpec): void {
    this.spec = spec;
    this.draw();
  }

  /** The spec as drawn: the toggled axis types and, when zoomed, explicit domains. */
  private current(): FigureSpec {
    if (this.spec.type === 'facets') return this.spec;
    const s = this.spec;
    const axis = (a: 'x' | 'y'): AxisSpec => {
      const base: AxisSpec = { ...(s[a] ?? {}) };
      const type = this.types[a] ?? base.type ?? 'linear';
      const pts = points(s);
      const dom = this.zoom
        ? this.zoom[a]
        : (base.domain ??
          extent(
            pts.map((p) => p[a]),
            type === 'log',
          ));
      return { ...base, type, ...(dom ? { domain: dom } : {}) };
    };
    return { ...s, x: axis('x'), y: axis('y') };
  }

  private draw(): void {
    this.holder.innerHTML = renderSvg(this.current());
  }

  /** Plot box (px, in the SVG's coordinates) and the domains drawn. */
  private frame(): {
    x0: number;
    y0: number;
    w: number;
    h: number;
    dx: [number, number];
    dy: [number, number];
    lx: boolean;
    ly: boolean;
  } | null {
    const cur = this.current() as PlotSpec;
    const rect = this.holder.querySelector('clipPath rect');
    if (!rect || !cur.x?.domain || !cur.y?.domain) return null;
    const a = (k: string): number => Number(rect.getAttribute(k));
    return {
      x0: a('x') + CLIP_PAD,
      y0: a('y') + CLIP_PAD,
      w: a('width') - 2 * CLIP_PAD,
      h: a('height') - 2 * CLIP_PAD,
      dx: [cur.x.domain[0], cur.x.domain[1]],
      dy: [cur.y.domain[0], cur.y.domain[1]],
      lx: cur.x.type === 'log',
      ly: cur.y.type === 'log',
    };
  }

  private interact(): void {
    const toSvg = (e: MouseEvent): { x: number; y: number } | null => {
      const svg = this.holder.querySelector('svg');
      if (!svg) return null;
      const r = svg.getBoundingClientRect();
      const vb = svg.viewBox.baseVal;
      const sx = vb && vb.width ? vb.width / r.width : 1;
      const sy = vb && vb.height ? vb.height / r.height : 1;
      return { x: (e.clientX - r.left) * sx, y: (e.clientY - r.top) * sy };
    };
    const fwd = (v: number, d: [number, number], log: boolean): number =>
      log ? (Math.log(v) - Math.log(d[0])) / (Math.log(d[1]) - Math.log(d[0])) : (v - d[0]) / (d[1] - d[0]);
    const inv = (t: number, d: [number, number], log: boolean): number =>
      log ? Math.exp(Math.log(d[0]) + t * (Math.log(d[1]) - Math.log(d[0]))) : d[0] + t * (d[1] - d[0]);
    let start: { x: number; y: number } | null = null;
    const box = document.createElement('div');
    box.className = 'zoom-box';
    box.hidden = true;
    this.el.append(box);
    this.holder.addEventListener('mousedown', (e) => {
      start = toSvg(e);
      e.preventDefault();
    });
    this.holder.addEventListener('dblclick', () => {
      this.zoom = null;
      this.draw();
    });
    window.addEventListener('mouseup', (e) => {
      if (!start) return;
      const end = toSvg(e);
      const f = this.frame();
      const s = start;
      start = null;
      box.hidden = true;
      if (!end || !f || Math.abs(end.x - s.x) < 5 || Math.abs(end.y - s.y) < 5) return;
      const tx = [s.x, end.x].map((v) => (v - f.x0) / f.w).sort((a, b) => a - b);
      const ty = [s.y, end.y].map((v) => 1 - (v - f.y0) / f.h).sort((a, b) => a - b);
      this.zoom = {
        x: [inv(tx[0], f.dx, f.lx), inv(tx[1], f.dx, f.lx)],
        y: [inv(ty[0], f.dy, f.ly), inv(ty[1], f.dy, f.ly)],
      };
      this.draw();
    });
    this.holder.addEventListener('mousemove', (e) => {
      const p = toSvg(e);
      const f = this.frame();
      if (!p || !f) return;
      if (start) {
        const hr = this.holder.getBoundingClientRect();
        const er = this.el.getBoundingClientRect();
        const svg = this.holder.querySelector('svg');
        const k = svg ? hr.width / (svg.viewBox.baseVal.width || hr.width) : 1;
        box.hidden = false;
        box.style.left = `${hr.left - er.left + Math.min(start.x, p.x) * k}px`;
        box.style.top = `${hr.top - er.top + Math.min(start.y, p.y) * k}px`;
        box.style.width = `${Math.abs(p.x - start.x) * k}px`;
        box.style.height = `${Math.abs(p.y - start.y) * k}px`;
        return;
      }
      let best: Point | null = null;
      let bd = 400; // within 20 px
      for (const q of points(this.spec as PlotSpec)) {
        if ((f.lx && q.x <= 0) || (f.ly && q.y <= 0)) continue;
        const px = f.x0 + fwd(q.x, f.dx, f.lx) * f.w;
        const py = f.y0 + (1 - fwd(q.y, f.dy, f.ly)) * f.h;
        const d = (px - p.x) ** 2 + (py - p.y) ** 2;
        if (d < bd) ((bd = d), (best = q));
      }
      if (!best) {
        this.tip.hidden = true;
        return;
      }
      this.tip.hidden = false;
      this.tip.textContent = `${best.label ? `${best.label}: ` : ''}x = ${fmt(best.x)}, y = ${fmt(best.y)}`;
      const er = this.el.getBoundingClientRect();
      this.tip.style.left = `${e.clientX - er.left + 12}px`;
      this.tip.style.top = `${e.clientY - er.top + 12}px`;
    });
    this.holder.addEventListener('mouseleave', () => (this.tip.hidden = true));
  }
}
