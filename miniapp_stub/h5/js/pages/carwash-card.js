// One car-wash card: washes left, the 60-second redemption QR, refund, redemptions.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, yuan, statusText } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";

export default {
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="card" class="pass-page">
        <div class="status-card" :class="card.status">
          <div class="status-text" data-testid="card-status">{{ statusText('carwash', card.status) }}</div>
          <div class="pass-name">{{ card.type.name }}</div>
          <div class="muted">剩余 <b data-testid="card-washes-left">{{ card.washes_left }}</b> / {{ card.washes_total }} 次 · {{ dateTime(card.expires_at) }} 到期</div>
          <img v-if="qr" :src="qr" class="qr" alt="核销码，点按放大" data-testid="card-qr" @click="preview">
          <div v-if="code" class="code small" data-testid="card-code-text">{{ code.code }}</div>
          <div v-if="code" class="muted">{{ secondsLeft > 0 ? secondsLeft + " 秒内有效，请出示给洗车员" : "已失效，请刷新" }}</div>
        </div>
        <div v-if="card.status === 'active'" class="actions">
          <van-button block round type="primary" :loading="showing.busy" data-testid="card-code" @click="showing.run()">{{ code ? "刷新核销码" : "出示核销码" }}</van-button>
          <van-button block round plain type="danger" :loading="refunding.busy" data-testid="card-refund" @click="refund">退款（剩余次数）</van-button>
        </div>
        <van-cell-group inset>
          <van-cell title="我的洗车预约" is-link data-testid="card-bookings" :url="'#/carwash/bookings?card=' + card.id" label="查看或取消这张卡的预约" />
          <van-cell title="购买时间" :value="dateTime(card.purchased_at)" />
          <van-cell title="到期时间" :value="dateTime(card.expires_at)" />
          <van-cell v-if="card.refund_fen !== null" title="退款金额" :value="yuan(card.refund_fen)" />
        </van-cell-group>
        <div class="section-title">最近核销</div>
        <van-empty v-if="!card.redemptions.length" description="暂无核销记录，出示核销码给洗车员即可洗车" />
        <van-cell-group inset>
          <van-cell v-for="r in card.redemptions" :key="r.id" :title="dateTime(r.washed_at)" :value="r.plate || ''" :label="'剩余 ' + r.washes_left + ' 次'" />
        </van-cell-group>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(() => api.get(`/carwash/cards/${route.params.id}`, null, { quiet: true }));
    const card = Vue.computed(() => page.data);
    const code = Vue.ref(null);
    const qr = Vue.ref("");
    const secondsLeft = Vue.ref(0);
    let timer = null;
    // A code lives 60 s: each tap asks for a fresh one (a new intent each time).
    const showing = useAction((key) => api.post(`/carwash/cards/${card.value.id}/code`, {}, { key, quiet: true }), {
      async done(made) {
        showing.reset();
        code.value = made;
        qr.value = await api.imageUrl(`/carwash/cards/${card.value.id}/code.png`).catch(() => "");
        watchRedemption();
      },
    });
    function watchRedemption() {
      const tick = () => {
        secondsLeft.value = Math.max(0, Math.round((new Date(code.value.expires_at) - Date.now()) / 1000));
      };
      tick();
      clearInterval(timer);
      timer = setInterval(async () => {
        tick();
        if (secondsLeft.value % 5 === 0) {
          const fresh = await api.get(`/carwash/cards/${card.value.id}`, undefined, { quiet: true }).catch(() => null);
          if (fresh && fresh.washes_left !== card.value.washes_left) {
            page.data = fresh;
            code.value = null;
            qr.value = "";
            clearInterval(timer);
            showToast("核销成功", "success");
          }
        }
      }, 1000);
    }
    const refunding = useAction((key) => api.post(`/carwash/cards/${card.value.id}/refund`, {}, { key, quiet: true }), {
      async done() {
        code.value = null;
        qr.value = "";
        clearInterval(timer);
        await page.refresh();
        showToast("已提交退款", "success");
      },
    });
    async function refund() {
      const ok = await vant.showConfirmDialog({ title: "退款", message: "按剩余次数退款，退款期间卡片不可使用。确定吗？" }).then(() => true, () => false);
      if (ok) await refunding.run();
    }
    const preview = () => vant.showImagePreview({ images: [qr.value], closeable: true });
    Vue.onUnmounted(() => clearInterval(timer));
    return { page, card, code, qr, secondsLeft, showing, refunding, refund, preview, dateTime, yuan, statusText };
  },
};
