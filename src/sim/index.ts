/**
 * The venue simulator's public surface (`import { sim } from 'tickwire'`).
 */
export { SimServer, SimClient, DEMO_CREDENTIALS, type SimOptions, type SimContext, type SimVenue, type SimVenueFactory } from './server.js';
export { SIM_VENUES } from './venues.js';
export { Market, SimSymbol, DEFAULT_SYMBOLS, type SymbolSpec, type SimUpdate, type SimTrade, type SimLevel, type SimBookSnapshot } from './market.js';
export { Matching, SimReject, type SimOrder, type SimOrderRequest, type SimExecution, type SimFill } from './matching.js';
export { Faults, type FaultKind, type MalformedKind } from './faults.js';
export { generateCertificate, spkiPin, type SimCertificate } from './cert.js';
export { Prng } from './random.js';
