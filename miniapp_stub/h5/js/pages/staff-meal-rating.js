// Rate a served meal once (1–5 and a comment): it counts for the catering team's monthly
// satisfaction score. The order does not say whether it was rated, so a 409 conflict is read
// as "already rated" and shown as such.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, span, statusText } from "../format.js";
import { showError, useAction, usePage } from "../ui.js";
import { route } from "../router.js";

const LABELS = ["", "很不满意", "不满意", "一般", "满意", "非常满意"];

export default {
  template: `
    <div>
      <page-state :page="page" :pull="false">
        <van-cell-group inset class="first">
          <van-cell title="取餐时段" :value="span(page.data.slot.start, page.data.slot.end)" />
          <van-cell title="菜品" :label="page.data.items.map((i) => i.name + ' ×' + i.qty).join('，')" />
          <van-cell title="状态" :value="statusText('meals', page.data.status)" :label="page.data.served_at ? '取餐于 ' + dateTime(page.data.served_at) : ''" />
        </van-cell-group>
        <div v-if="rated" class="result-card valid" data-testid="rating-done">
          <div class="result-mark">✓</div>
          <div class="result-title">{{ rated === "mine" ? "感谢评价" : "这份餐已评价过" }}</div>
          <div v-if="rated === 'mine'" class="result-detail">{{ score }} 星 · {{ LABELS[score] }}</div>
        </div>
        <template v-else>
          <div class="section-title">评分</div>
          <van-cell-group inset>
            <div class="rating-row">
              <van-rate v-model="score" :size="36" :gutter="10" :disabled="!servable" data-testid="rating-score" />
              <span class="muted" data-testid="rating-label">{{ LABELS[score] }}</span>
            </div>
            <van-field v-model.trim="comment" type="textarea" rows="3" autosize maxlength="500" show-word-limit
                       placeholder="说说菜品口味、分量、服务（选填）" :disabled="!servable" data-testid="rating-comment"
                       :error-message="rate.fields.comment" />
          </van-cell-group>
          <field-error :action="rate" name="score" />
          <div class="actions">
            <van-button block round type="primary" :loading="rate.busy" :disabled="!servable || !score" data-testid="rating-submit"
                        @click="submit">提交评价</van-button>
            <div v-if="!servable" class="muted" data-testid="rating-why">取餐后才能评价</div>
          </div>
        </template>
      </page-state>
    </div>`,
  setup() {
    const score = Vue.ref(5);
    const comment = Vue.ref("");
    const rated = Vue.ref("");
    const page = usePage(() => api.get(`/meals/orders/${route.params.id}`, undefined, { quiet: true }));
    const servable = Vue.computed(() => page.data?.status === "served");
    // One rating = one key: a retried tap answers with the first rating, never a second one.
    const rate = useAction((key, body) => api.post(`/meals/orders/${route.params.id}/rating`, body, { key, quiet: true }), {
      quiet: true,
      done() {
        rated.value = "mine";
        showToast("感谢评价", "success");
      },
    });
    async function submit() {
      const answer = await rate.run({ score: score.value, comment: comment.value });
      if (answer) return;
      if (rate.error?.code === "conflict") rated.value = "before";
      else showError(rate.error);
    }
    return { page, score, comment, rated, servable, rate, submit, LABELS, span, dateTime, statusText };
  },
};
