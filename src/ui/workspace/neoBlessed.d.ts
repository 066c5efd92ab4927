// neo-blessed is blessed's maintained fork with the same API; @types/blessed describes it.
declare module 'neo-blessed' {
  import * as blessed from 'blessed';
  export default blessed;
}
