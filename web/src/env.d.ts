/** Vite imports styles for their side effect. */
declare module '*.css';
