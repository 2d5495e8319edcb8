// "订阅提醒" offered right after an order or booking: WeChat lets a mini-program send a
// message only for a template the user accepted, and the moment of ordering is when the
// user wants to hear back. Shown only when the server has templates for these notice kinds;
// a tap (never a dialog forced on the user) opens wx.requestSubscribeMessage.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { wx } from "../wx.js";

export default {
  props: { kinds: { type: String, required: true }, label: { type: String, default: "订阅状态提醒" } },
  template: `
    <van-cell-group v-if="ids.length && !done" inset class="gap">
      <van-cell :title="label" label="状态变化时通过微信通知你" center data-testid="subscribe-offer">
        <template #value>
          <van-button size="small" type="primary" plain round class="tap" :loading="busy" data-testid="subscribe-accept"
                      @click="ask">订阅</van-button>
        </template>
      </van-cell>
    </van-cell-group>`,
  setup(props) {
    const ids = Vue.ref([]);
    const busy = Vue.ref(false);
    const done = Vue.ref(false);
    Vue.onMounted(async () => {
      try {
        const templates = (await api.get("/notifications/templates", null, { quiet: true })).items;
        const prefixes = props.kinds.split(",");
        const wanted = templates.filter((t) => t.template_id && prefixes.some((p) => t.kind.startsWith(p)));
        ids.value = [...new Set(wanted.map((t) => t.template_id))];
      } catch (err) {
        ids.value = []; // no offer without the templates: ordering itself is unaffected
      }
    });
    async function ask() {
      busy.value = true;
      try {
        const answer = await wx.requestSubscribeMessage({ tmplIds: ids.value });
        if (Object.values(answer).includes("accept")) showToast("已订阅提醒", "success");
        done.value = true;
      } catch (err) {
        showToast(err?.message || "订阅失败，请稍后重试");
      } finally {
        busy.value = false;
      }
    }
    return { ids, busy, done, ask };
  },
};
