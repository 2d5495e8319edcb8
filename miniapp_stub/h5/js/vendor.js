// The vendored libraries as ES modules: Vue's ESM browser build, and Vant's UMD build,
// which reads the global `Vue` once when it loads (so it shares our Vue instance).
import * as Vue from "../vendor/vue/vue.esm-browser.prod.js";

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`无法加载 ${src}`));
    document.head.appendChild(script);
  });
}

window.Vue = Vue;
await loadScript(new URL("../vendor/vant/vant.min.js", import.meta.url).href);
const vant = window.vant;

let echartsLoading = null;
/** ECharts only for the admin dashboard: loaded on first use. */
export function loadECharts() {
  echartsLoading ??= loadScript(
    new URL("../vendor/echarts/echarts.common.min.js", import.meta.url).href,
  ).then(() => window.echarts);
  return echartsLoading;
}

export { Vue, vant };
