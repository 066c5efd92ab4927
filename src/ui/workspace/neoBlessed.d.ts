// neo-blessed is blessed's maintained fork with the same API; @types/blessed describes it. The
// workspace loads only the widgets it draws with (the package index loads all forty).
declare module 'neo-blessed/lib/widgets/screen.js' {
  import type { Widgets } from 'blessed';
  const screen: (options?: Widgets.IScreenOptions) => Widgets.Screen;
  export default screen;
}
declare module 'neo-blessed/lib/widgets/box.js' {
  import type { Widgets } from 'blessed';
  const box: (options?: Widgets.BoxOptions) => Widgets.BoxElement;
  export default box;
}
declare module 'neo-blessed/lib/helpers.js' {
  const helpers: { escape(text: string): string };
  export default helpers;
}
