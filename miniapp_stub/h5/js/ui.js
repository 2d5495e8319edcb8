// The two things every page does the same way.
//
// usePage(load): a page's data and its four states (loading, loaded, empty, failed),
// shown by <page-state :page="page">, with 重试 and pull-to-refresh.
//
// useAction(send): one user intent = one Idempotency-Key. The key is made on the first tap
// and reused while the request's answer is unknown (network failure, 5xx, a double tap), so
// the server's exactly-once protection applies to what the user meant to do once. A
// definitive answer (success or a 4xx refusal) ends the intent; changed input is a new one.
import { Vue } from "./vendor.js";
import { ApiError, showToast } from "./api.js";

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function emptyValue(value) {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (Array.isArray(value.items)) return value.items.length === 0;
  return false;
}

/**
 * load() returns the page's data (call the API with { quiet: true }: the page shows the
 * failure itself). Options: isEmpty(data), immediate (default true).
 * Returns a reactive { state, data, error, message, reload(), refresh() }.
 */
export function usePage(load, { isEmpty = emptyValue, immediate = true } = {}) {
  const page = Vue.reactive({ state: "loading", data: null, error: null, message: "", refreshing: false });
  let seq = 0;
  async function fetchInto({ keepShown }) {
    const mine = ++seq;
    if (!keepShown) page.state = "loading";
    try {
      const value = await load();
      if (mine !== seq) return;
      page.data = value;
      page.error = null;
      page.state = isEmpty(value) ? "empty" : "loaded";
    } catch (err) {
      if (mine !== seq) return;
      page.error = err;
      page.message = err?.message || "加载失败";
      if (!keepShown || page.state === "loading") page.state = "failed";
      else showToast(page.message);
    } finally {
      if (mine === seq) page.refreshing = false;
    }
  }
  page.reload = () => fetchInto({ keepShown: false });
  /** Show an edit's answer (an edit answers the whole object): swap the listed item with its id. */
  page.replace = (item) => {
    if (page.data?.items) page.data = { ...page.data, items: page.data.items.map((x) => (x.id === item.id ? item : x)) };
  };
  /** Pull-to-refresh and refresh after an action: what is shown stays until the answer. */
  page.refresh = () => fetchInto({ keepShown: page.state === "loaded" || page.state === "empty" });
  if (immediate) Vue.onMounted(page.reload);
  return page;
}

/**
 * send(key, ...args) performs the request with that Idempotency-Key (api.post(path, body,
 * { key })). run(...args) → the result, or undefined when the request failed (its error is
 * shown: fields under their fields via `fields`, a short message as a toast, a long one in a
 * dialog). Options: done(result) after success; quiet (show nothing on failure).
 */
export function useAction(send, { done, quiet = false } = {}) {
  const action = Vue.reactive({ busy: false, fields: {}, error: null, key: "" });
  let intent = null;
  let running = null;
  action.run = (...args) => {
    if (running) return running; // a double tap joins the request already under way
    const signature = JSON.stringify(args);
    if (!intent || intent.signature !== signature) intent = { key: newKey(), signature };
    action.key = intent.key;
    action.busy = true;
    action.error = null;
    action.fields = {};
    running = (async () => {
      try {
        const result = await send(intent.key, ...args);
        intent = null;
        if (done) await done(result);
        return result;
      } catch (err) {
        action.error = err;
        const answered = err instanceof ApiError && err.status >= 400 && err.status < 500;
        // "still processing" (409 conflict) leaves the answer unknown: the retry keeps its key.
        if (answered && err.code !== "conflict") intent = null;
        if (err instanceof ApiError && err.details?.fields) action.fields = { ...err.details.fields };
        if (!quiet) showError(err);
        return undefined;
      } finally {
        action.busy = false;
        running = null;
      }
    })();
    return running;
  };
  /** Forget the intent: the next run is a new one (a new form, another item). */
  action.reset = () => {
    intent = null;
    action.fields = {};
    action.error = null;
  };
  return action;
}

/** Short messages in a toast, long ones (which a toast would cut mid-word) in a dialog. */
export function showError(err) {
  const message = err?.message || "操作失败";
  if (err?.details?.fields && Object.keys(err.details.fields).length) {
    showToast(message.length <= 14 ? message : "请按提示修改后重试");
  } else if (message.length > 14 && window.vant?.showDialog) {
    window.vant.showDialog({ title: "提示", message, confirmButtonText: "知道了" });
  } else {
    showToast(message);
  }
}

/** <page-state :page="page" empty="还没有…">: the four states; the default slot is the loaded page. */
export const PageState = {
  props: { page: { type: Object, required: true }, empty: { type: String, default: "暂无内容" }, pull: { type: Boolean, default: true } },
  template: `
    <van-pull-refresh v-if="pull" v-model="page.refreshing" :disabled="page.state === 'loading'" @refresh="page.refresh()">
      <div class="page-state">
        <div v-if="page.state === 'loading'" data-testid="page-loading" class="page-loading" aria-busy="true">
          <van-skeleton title :row="3" /><van-skeleton title :row="3" class="gap" />
        </div>
        <div v-else-if="page.state === 'failed'" data-testid="page-error" class="page-error">
          <van-empty image="error" :description="page.message || '加载失败'">
            <van-button round type="primary" class="retry" data-testid="page-retry" @click="page.reload()">重试</van-button>
          </van-empty>
        </div>
        <div v-else-if="page.state === 'empty'" data-testid="page-empty"><slot name="empty"><van-empty :description="empty" /></slot></div>
        <slot v-else />
      </div>
    </van-pull-refresh>
    <div v-else class="page-state">
      <div v-if="page.state === 'loading'" data-testid="page-loading" class="page-loading" aria-busy="true"><van-skeleton title :row="4" /></div>
      <div v-else-if="page.state === 'failed'" data-testid="page-error" class="page-error">
        <van-empty image="error" :description="page.message || '加载失败'">
          <van-button round type="primary" class="retry" data-testid="page-retry" @click="page.reload()">重试</van-button>
        </van-empty>
      </div>
      <div v-else-if="page.state === 'empty'" data-testid="page-empty"><slot name="empty"><van-empty :description="empty" /></slot></div>
      <slot v-else />
    </div>`,
};

/** <field-error :action="save" name="phone" />: the server's reason for one field. */
export const FieldError = {
  props: { action: { type: Object, required: true }, name: { type: String, required: true } },
  template: `<div v-if="action.fields[name]" class="field-error" :data-testid="'field-error-' + name">{{ action.fields[name] }}</div>`,
};
