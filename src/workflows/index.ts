export { ibkrBridge } from './bridge';
