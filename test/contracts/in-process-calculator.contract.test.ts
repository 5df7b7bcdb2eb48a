/** The RiskCalculator contract against the in-process calculator (no threads, no build needed). */
import { InProcessRiskCalculator } from '../../src/engine/risk/in-process-calculator.js';
import { describeRiskCalculatorContract } from './risk-calculator.contract.js';

describeRiskCalculatorContract('in-process calculator', (settings) => new InProcessRiskCalculator(settings));
