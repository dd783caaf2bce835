import { pyheapVitest } from '../../tools/vitest.shared.js';

export default pyheapVitest(import.meta.url);
