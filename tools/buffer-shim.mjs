// Injected into the browser build: free references to `Buffer` become the `buffer` package's.
export { Buffer } from 'buffer';
