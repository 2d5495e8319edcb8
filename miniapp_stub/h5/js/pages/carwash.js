// Car wash: cards on sale (buy with the WeChat Pay shim), my cards, and the bay.
import { Vue } from "../vendor.js";
import { api, dateTime, showToast, yuan } from "../api.js";
import { go } from "../router.js";
import { wx } from "../wx.js";

export const CARD_STATUS = {
  pending_payment: ["待支付", "warning"], active: ["可用", "success"], used_up: ["已用完", "default"],
  expired: ["已过期", "default"], refunding: ["退款中", "warning"], refunded: ["已退款", "default"],
  closed: ["已关闭", "default"],
};

/** Ask the server until the verified payment notification has activated the card. */
async function waitForPayment(outTradeNo) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const purchase = await api.get(`/carwash/purchases/${outTradeNo}`);
    if (purchase.status !== "pending") return purchase;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return null;
}

export default {
  template: `
    <div>
      <div class="section-title first">我的洗车卡</div>
      <van-empty v-if="loaded && !cards.length" description="还没有洗车卡，请在下方购买" />
      <van-cell-group inset>
        <van-cell v-for="c in cards" :key="c.id" :data-testid="'card-' + c.id" is-link @click="go('/carwash/card/' + c.id)">
          <template #title>{{ c.type.name }}</template>
          <template #label>剩余 {{ c.washes_left }}/{{ c.washes_total }} 次<span v-if="c.expires_at"> · {{ dateTime(c.expires_at) }} 到期</span></template>
          <template #value><van-tag :type="CARD_STATUS[c.status][1]">{{ CARD_STATUS[c.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
      <div class="actions">
        <van-button block round plain type="primary" data-testid="carwash-bay" @click="go('/carwash/bay')">预约洗车工位</van-button>
      </div>
      <div class="section-title">购买洗车卡</div>
      <van-cell-group inset>
        <van-cell v-for="t in types" :key="t.id" :title="t.name" :label="t.washes + ' 次 · 有效期 ' + t.valid_days + ' 天'">
          <template #value>
            <van-button size="small" type="primary" :data-testid="'carwash-buy-' + t.id" :loading="buying === t.id" @click="buy(t)">{{ yuan(t.price_fen) }} 购买</van-button>
          </template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const cards = Vue.ref([]);
    const types = Vue.ref([]);
    const loaded = Vue.ref(false);
    const buying = Vue.ref(0);
    async function load() {
      [cards.value, types.value] = await Promise.all([
        api.get("/carwash/cards").then((r) => r.items),
        api.get("/carwash/card-types").then((r) => r.items),
      ]);
      loaded.value = true;
    }
    async function buy(cardType) {
      buying.value = cardType.id;
      try {
        const purchase = await api.post("/carwash/purchases", { card_type_id: cardType.id });
        try {
          await wx.requestPayment({ ...purchase.pay_params, totalFen: purchase.amount_fen, description: cardType.name });
        } catch (err) {
          showToast("已取消支付");
          return;
        }
        const paid = await waitForPayment(purchase.out_trade_no);
        if (paid?.status === "paid") {
          showToast("支付成功", "success");
          go(`/carwash/card/${paid.card.id}`);
        } else {
          showToast("正在确认支付结果，请稍后刷新");
          await load();
        }
      } finally {
        buying.value = 0;
      }
    }
    Vue.onMounted(load);
    return { cards, types, loaded, buying, buy, go, dateTime, yuan, CARD_STATUS };
  },
};
