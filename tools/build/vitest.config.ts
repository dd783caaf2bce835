import { pyheapVitest } from '../vitest.shared.js';

export default pyheapVitest(import.meta.url);
