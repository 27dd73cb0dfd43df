/** The workflow bundle's entry: every journey the worker runs. */
export { welcome } from './welcome';
