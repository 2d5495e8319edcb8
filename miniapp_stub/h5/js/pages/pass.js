// One pass: the QR to share with the visitor, its days and state, and revoke.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { span, statusText } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";

async function loadPass() {
  const pass = await api.get(`/visitors/passes/${route.params.id}`, null, { quiet: true });
  const qr = pass.status === "active" ? await api.imageUrl(pass.qr_png_url).catch(() => "") : "";
  return { pass, qr };
}

export default {
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="pass" class="pass-page">
        <div class="status-card" :class="pass.status">
          <div class="status-text" data-testid="pass-status">{{ statusText('visitors', pass.status) }}</div>
          <div class="pass-name">{{ pass.visitor_name }} · {{ pass.visitor_phone }}</div>
          <img v-if="page.data.qr" :src="page.data.qr" class="qr" alt="访客通行码，点按放大" data-testid="pass-qr" @click="preview">
          <div v-if="pass.token" class="code small" data-testid="pass-token">{{ pass.token }}</div>
          <div class="muted" data-testid="pass-window">{{ span(pass.valid_from) }} 至 {{ span(pass.valid_to) }}</div>
        </div>
        <van-cell-group inset>
          <van-cell title="来访事由" :value="pass.purpose" />
          <van-cell v-if="pass.plate" title="车牌号" :value="pass.plate" />
          <van-cell title="入场次数" :value="pass.entries_used + ' / ' + pass.max_entries" />
        </van-cell-group>
        <div v-if="pass.status === 'active'" class="actions">
          <van-button block round type="primary" data-testid="pass-share" @click="share">分享给访客</van-button>
          <van-button block round plain type="danger" :loading="revoke.busy" data-testid="pass-revoke" @click="askRevoke">撤销通行证</van-button>
        </div>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(loadPass);
    const pass = Vue.computed(() => page.data?.pass);
    async function share() {
      const blob = await (await fetch(page.data.qr)).blob();
      const file = new File([blob], "通行码.png", { type: "image/png" });
      const text = `${pass.value.visitor_name}您好，请于 ${span(pass.value.valid_from)} 至 ${span(pass.value.valid_to)} 在门岗出示此通行码入场。`;
      if (navigator.canShare?.({ files: [file] })) {
        await navigator.share({ files: [file], text }).catch(() => null);
      } else {
        await navigator.clipboard?.writeText(text).catch(() => null);
        showToast("已复制邀请说明，请长按二维码保存后发送给访客", "success");
      }
    }
    const revoke = useAction((key) => api.post(`/visitors/passes/${pass.value.id}/revoke`, {}, { key, quiet: true }), {
      done(updated) {
        page.data = { pass: updated, qr: "" };
        showToast("已撤销", "success");
      },
    });
    async function askRevoke() {
      const ok = await vant.showConfirmDialog({ title: "撤销通行证", message: "撤销后访客将无法入场，确定吗？" }).then(() => true, () => false);
      if (ok) await revoke.run();
    }
    const preview = () => vant.showImagePreview({ images: [page.data.qr], closeable: true });
    return { page, pass, revoke, askRevoke, share, preview, span, statusText };
  },
};
