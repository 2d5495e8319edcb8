// Car wash: cards on sale (buy with the WeChat Pay shim), my cards, and the bay.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, yuan, statusText, statusType } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { go } from "../router.js";
import { wx } from "../wx.js";

/** Ask the server until the verified payment notification has activated the card. */
async function waitForPayment(outTradeNo) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const purchase = await api.get(`/carwash/purchases/${outTradeNo}`, null, { quiet: true });
    if (purchase.status !== "pending") return purchase;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return null;
}

export default {
  template: `
    <div>
      <div class="section-title first">我的洗车卡</div>
      <page-state :page="page">
      <van-empty v-if="!page.data.cards.length" description="还没有洗车卡，请在下方购买" />
      <van-cell-group inset>
        <van-cell v-for="c in page.data.cards" :key="c.id" :data-testid="'card-' + c.id" is-link @click="go('/carwash/card/' + c.id)">
          <template #title>{{ c.type.name }}</template>
          <template #label>剩余 {{ c.washes_left }}/{{ c.washes_total }} 次<span v-if="c.expires_at"> · {{ dateTime(c.expires_at) }} 到期</span></template>
          <template #value><van-tag :type="statusType('carwash', c.status)">{{ statusText('carwash', c.status) }}</van-tag></template>
        </van-cell>
      </van-cell-group>
      <div class="actions">
        <van-button block round plain type="primary" data-testid="carwash-bay" @click="go('/carwash/bay')">预约洗车工位</van-button>
      </div>
      <div class="section-title">购买洗车卡</div>
      <van-cell-group inset>
        <van-cell v-for="t in page.data.types" :key="t.id" :title="t.name" :label="t.washes + ' 次 · 有效期 ' + t.valid_days + ' 天'">
          <template #value>
            <van-button size="small" type="primary" :data-testid="'carwash-buy-' + t.id" :loading="purchase.busy && purchase.target === t.id" @click="buy(t)">{{ yuan(t.price_fen) }} 购买</van-button>
          </template>
        </van-cell>
      </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const page = usePage(async () => {
      const [cards, types] = await Promise.all([
        api.get("/carwash/cards", null, { quiet: true }).then((r) => r.items),
        api.get("/carwash/card-types", null, { quiet: true }).then((r) => r.items),
      ]);
      return { cards, types };
    }, { isEmpty: () => false });
    // One purchase = one key: a double tap or a retry opens one WeChat Pay order.
    const purchase = useAction((key, typeId) => api.post("/carwash/purchases", { card_type_id: typeId }, { key, quiet: true }));
    async function buy(cardType) {
      purchase.target = cardType.id;
      const made = await purchase.run(cardType.id);
      if (!made) return;
      try {
        await wx.requestPayment({ ...made.pay_params, totalFen: made.amount_fen, description: cardType.name });
      } catch (err) {
        showToast("已取消支付");
        return;
      }
      const paid = await waitForPayment(made.out_trade_no).catch(() => null);
      if (paid?.status === "paid") {
        showToast("支付成功", "success");
        go(`/carwash/card/${paid.card.id}`);
      } else {
        showToast("正在确认支付结果，请稍后刷新");
        await page.refresh();
      }
    }
    return { page, purchase, buy, go, dateTime, yuan, statusText, statusType };
  },
};
