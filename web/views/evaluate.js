// views/evaluate.js - the Evaluate view: alarms or scores against label windows: precision, recall
// and F1 point-wise and point-adjusted, the NAB score with its profiles (standard, reward low FP,
// reward low FN), and the detection delay.
import { el, clear } from '../ui.js';
import { opView, dataTables } from './common.js';

export default {
  id: 'evaluate',
  title: 'Evaluate',
  create(root, ctx) {
    const v = opView(root, ctx, {
      title: 'Evaluate',
      ops: ['evaluate'],
      intro: 'Compare alarms with the label windows: point-wise and point-adjusted P/R/F1, NAB scores per profile, detection delay.',
      inputLabel: 'scores',
      inputFilter: dataTables,
      params: [
        { key: 'labels', label: 'label windows', type: 'text', value: '' },
        { key: 'threshold', label: 'threshold', type: 'number', value: 0.5 },
      ],
      stepIds: () => ['evaluation'],
      makeSteps: (p, input) => [{ id: 'evaluation', op: 'evaluate', input, params: p }],
      render: async (results, steps, area) => { clear(area); area.append(el('div', { class: 'panel' }, el('h3', { text: 'Scores' }))); },
    });
    return v;
  },
};
