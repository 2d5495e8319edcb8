// The car-wash station: scan the owner's code → one wash taken, the card's balance shown.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { wx } from "../wx.js";
import { useVerdict, VerdictPending } from "../verdict.js";

export default {
  components: { VerdictPending },
  template: `
    <div class="gate">
      <van-cell-group inset class="first">
        <van-field v-model.trim="plate" label="车牌号" placeholder="可选，如 粤B12345" data-testid="station-plate" />
      </van-cell-group>
      <van-button type="primary" block class="scan-big" data-testid="station-scan" :loading="verdict.busy" :disabled="verdict.busy" @click="scan">扫描洗车核销码</van-button>
      <van-button block plain class="scan-big" icon="todo-list-o" data-testid="nav-carwash-desk" url="#/carwash/desk">今日预约与洗车记录</van-button>
      <verdict-pending :verdict="verdict" testid="station-result" />
      <div v-if="verdict.state === 'refused'" class="result-card invalid" data-testid="station-result" data-state="refused" role="alert">
        <div class="result-mark">✕</div>
        <div class="result-title" data-testid="station-verdict">{{ verdict.error.message }}</div>
      </div>
      <div v-if="verdict.state === 'ok'" class="result-card valid" data-testid="station-result" data-state="ok" role="status">
        <div class="result-mark">✓</div>
        <div class="result-title" data-testid="station-verdict">核销成功</div>
        <div class="result-rows">
          <div><span>洗车卡</span><b>{{ verdict.data.card.type.name }}</b></div>
          <div><span>剩余次数</span><b data-testid="station-washes-left">{{ verdict.data.card.washes_left }}</b></div>
          <div><span>核销时间</span><b>{{ dateTime(verdict.data.washed_at) }}</b></div>
        </div>
      </div>
    </div>`,
  setup() {
    const plate = Vue.ref("");
    const verdict = useVerdict(
      (key, code, car) => api.post("/carwash/redeem", { code, plate: car || null }, { key, quiet: true }),
    );
    async function scan() {
      verdict.clear(); // a new scan starts: the last verdict leaves the screen at once
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      if (await verdict.run(scanned.result, plate.value)) plate.value = "";
    }
    return { plate, verdict, scan, dateTime };
  },
};
