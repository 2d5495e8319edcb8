// One pass: the QR to share with the visitor, its state, and revoke.
import { Vue, vant } from "../vendor.js";
import { api, dateTime, showToast } from "../api.js";
import { route } from "../router.js";
import { PASS_STATUS } from "./visitors.js";

export default {
  template: `
    <div v-if="pass" class="pass-page">
      <div class="status-card" :class="pass.status">
        <div class="status-text" data-testid="pass-status">{{ PASS_STATUS[pass.status][0] }}</div>
        <div class="pass-name">{{ pass.visitor_name }} · {{ pass.visitor_phone }}</div>
        <img v-if="qr" :src="qr" class="qr" alt="访客通行码" data-testid="pass-qr">
        <div v-if="pass.token" class="code small" data-testid="pass-token">{{ pass.token }}</div>
        <div class="muted">{{ dateTime(pass.valid_from) }} 至 {{ dateTime(pass.valid_to) }}</div>
      </div>
      <van-cell-group inset>
        <van-cell title="来访事由" :value="pass.purpose" />
        <van-cell v-if="pass.plate" title="车牌号" :value="pass.plate" />
        <van-cell title="入场次数" :value="pass.entries_used + ' / ' + pass.max_entries" />
      </van-cell-group>
      <div v-if="pass.status === 'active'" class="actions">
        <van-button block round type="primary" data-testid="pass-share" @click="share">分享给访客</van-button>
        <van-button block round plain type="danger" data-testid="pass-revoke" @click="revoke">撤销通行证</van-button>
      </div>
    </div>`,
  setup() {
    const pass = Vue.ref(null);
    const qr = Vue.ref("");
    async function load() {
      pass.value = await api.get(`/visitors/passes/${route.params.id}`);
      qr.value = pass.value.status === "active" ? await api.imageUrl(pass.value.qr_png_url) : "";
    }
    async function share() {
      const blob = await (await fetch(qr.value)).blob();
      const file = new File([blob], "通行码.png", { type: "image/png" });
      const text = `${pass.value.visitor_name}您好，请在门岗出示此通行码入场。`;
      if (navigator.canShare?.({ files: [file] })) {
        await navigator.share({ files: [file], text }).catch(() => null);
      } else {
        await navigator.clipboard?.writeText(text).catch(() => null);
        showToast("已复制邀请说明，请长按二维码保存后发送给访客", "success");
      }
    }
    async function revoke() {
      const ok = await vant.showConfirmDialog({ title: "撤销通行证", message: "撤销后访客将无法入场，确定吗？" }).then(() => true, () => false);
      if (!ok) return;
      pass.value = await api.post(`/visitors/passes/${pass.value.id}/revoke`);
      qr.value = "";
      showToast("已撤销", "success");
    }
    Vue.onMounted(load);
    return { pass, qr, share, revoke, dateTime, PASS_STATUS };
  },
};
