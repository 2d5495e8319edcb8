// Result screens of the scanning desks (gate, canteen till, car-wash station, gym desk,
// library desk): a verdict never outlives its request. The previous verdict is cleared
// the moment a scan starts ("pending": a neutral 核验中…), so a failure afterwards can
// never leave the last green card on screen; a network failure or a 5xx is "error"
// (未核验：网络异常，请重扫), a 4xx is "refused" with the server's message.
import { Vue } from "./vendor.js";
import { ApiError, showToast } from "./api.js";
import { useAction } from "./ui.js";

/**
 * send(key, ...args) performs the check with that Idempotency-Key. judge(result) names the
 * state of a successful answer (default "ok"); toastRefusals also toasts a 4xx's message.
 * Returns a reactive
 * { state: idle|pending|<judged>|refused|error, data, error, busy, run(...args), clear() }.
 */
export function useVerdict(send, { judge = () => "ok", toastRefusals = false } = {}) {
  const action = useAction(send, { quiet: true });
  const verdict = Vue.reactive({ state: "idle", data: null, error: null, busy: Vue.computed(() => action.busy) });
  verdict.run = async (...args) => {
    if (action.busy) return undefined; // one scan at a time: its answer is the one shown
    verdict.state = "pending";
    verdict.data = null;
    verdict.error = null;
    const result = await action.run(...args);
    if (result !== undefined) {
      verdict.data = result;
      verdict.state = judge(result);
    } else {
      const err = action.error;
      verdict.error = err;
      const refused = err instanceof ApiError && err.status >= 400 && err.status < 500 && err.code !== "conflict";
      verdict.state = refused ? "refused" : "error";
      if (refused && toastRefusals) showToast(err.message);
    }
    return result;
  };
  verdict.clear = () => {
    verdict.state = "idle";
    verdict.data = null;
    verdict.error = null;
  };
  return verdict;
}

export const NETWORK_FAILED = "未核验：网络异常，请重扫";

/** The neutral card while a check runs and the red one when its answer is unknown. */
export const VerdictPending = {
  props: { verdict: { type: Object, required: true }, testid: { type: String, required: true } },
  template: `
    <div v-if="verdict.state === 'pending'" class="result-card pending" :data-testid="testid" data-state="pending" role="status">
      <van-loading size="28" /><div class="result-title">核验中…</div>
    </div>
    <div v-else-if="verdict.state === 'error'" class="result-card invalid error" :data-testid="testid" data-state="error" role="alert">
      <div class="result-mark">!</div>
      <div class="result-title">${NETWORK_FAILED}</div>
      <div class="result-detail">{{ verdict.error?.status ? '服务暂不可用（' + verdict.error.status + '）' : '请检查网络后重新扫码' }}</div>
    </div>`,
};
