import { defineConfig } from 'tsup';
import { pyheapTsup } from '../../tools/tsup.preset.js';

export default defineConfig(pyheapTsup());
