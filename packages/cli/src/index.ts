export { main, EXIT_USAGE } from './main.js';
