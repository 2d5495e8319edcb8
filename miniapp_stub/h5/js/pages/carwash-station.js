// The car-wash station: scan the owner's code → one wash taken, the card's balance shown.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { wx } from "../wx.js";

export default {
  template: `
    <div class="gate">
      <van-cell-group inset class="first">
        <van-field v-model.trim="plate" label="车牌号" placeholder="可选，如 粤B12345" data-testid="station-plate" />
      </van-cell-group>
      <van-button type="primary" block class="scan-big" data-testid="station-scan" @click="scan">扫描洗车核销码</van-button>
      <van-button block plain class="scan-big" icon="todo-list-o" data-testid="nav-carwash-desk" url="#/carwash/desk">今日预约与洗车记录</van-button>
      <div v-if="result" class="result-card valid" data-testid="station-result">
        <div class="result-mark">✓</div>
        <div class="result-title" data-testid="station-verdict">核销成功</div>
        <div class="result-rows">
          <div><span>洗车卡</span><b>{{ result.card.type.name }}</b></div>
          <div><span>剩余次数</span><b data-testid="station-washes-left">{{ result.card.washes_left }}</b></div>
          <div><span>核销时间</span><b>{{ dateTime(result.washed_at) }}</b></div>
        </div>
      </div>
    </div>`,
  setup() {
    const plate = Vue.ref("");
    const result = Vue.ref(null);
    async function scan() {
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      result.value = null;
      result.value = await api.post("/carwash/redeem", { code: scanned.result, plate: plate.value || null });
      plate.value = "";
    }
    return { plate, result, scan, dateTime };
  },
};
