/**
 * The contract pieces several walks share (reqMktData, placeOrder, openOrder, execDetails,
 * position): one description each, so the messages cannot drift apart.
 */
import type { FieldIO } from './fields.js';
import { newComboLegRecord, type ContractRecord } from './records.js';

/**
 * conId … tradingClass: with primaryExchange as requests (reqMktData, placeOrder) send them,
 * without it as reports (openOrder, execDetails, position) carry them. `tradingClass` false for
 * the position message below version 2.
 */
export function contractFields(io: FieldIO, c: ContractRecord, primaryExchange: boolean, tradingClass = true): void {
  io.int(c, 'conId');
  io.str(c, 'symbol');
  io.str(c, 'secType');
  io.str(c, 'lastTradeDateOrContractMonth');
  io.float(c, 'strike');
  io.str(c, 'right');
  io.str(c, 'multiplier');
  io.str(c, 'exchange');
  if (primaryExchange) io.str(c, 'primaryExchange');
  io.str(c, 'currency');
  io.str(c, 'localSymbol');
  if (tradingClass) io.str(c, 'tradingClass');
}

/**
 * The combo legs behind their count: conId, ratio, action, exchange, and with `orderFields`
 * (placeOrder, openOrder) also openClose, shortSaleSlot, designatedLocation, exemptCode.
 */
export function comboLegs(io: FieldIO, c: ContractRecord, orderFields: boolean): void {
  const n = io.count(c.comboLegs.length);
  for (let i = 0; i < n; i++) {
    const leg = io.reading ? newComboLegRecord() : c.comboLegs[i]!;
    io.int(leg, 'conId');
    io.int(leg, 'ratio');
    io.str(leg, 'action');
    io.str(leg, 'exchange');
    if (orderFields) {
      io.int(leg, 'openClose');
      io.int(leg, 'shortSaleSlot');
      io.str(leg, 'designatedLocation');
      io.int(leg, 'exemptCode');
    }
    if (io.reading) c.comboLegs.push(leg);
  }
}

/** A presence flag, then conId, delta, price when present. */
export function deltaNeutralContract(io: FieldIO, c: ContractRecord): void {
  const flag = { present: c.deltaNeutralContract !== undefined };
  io.bool(flag, 'present');
  if (!flag.present) return;
  const d = c.deltaNeutralContract ?? { conId: 0, delta: 0, price: 0 };
  io.int(d, 'conId');
  io.float(d, 'delta');
  io.float(d, 'price');
  if (io.reading) c.deltaNeutralContract = d;
}
