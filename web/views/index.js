// views/index.js - the views in tab order (keys 1..6).
import dataset from './dataset.js';
import synthesis from './synthesis.js';
import logs from './logs.js';
import detect from './detect.js';
import diagnose from './diagnose.js';
import evaluate from './evaluate.js';

export const viewModules = [dataset, synthesis, logs, detect, diagnose, evaluate];
