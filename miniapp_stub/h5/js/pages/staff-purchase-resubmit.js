// Edit a rejected purchase request and send it back to the department head: the form starts
// from the request as it was, the rejecting comment above it; the earlier decisions stay in the
// request's approval trail.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, statusText, yuan } from "../format.js";
import { useAction, usePage } from "../ui.js";
import { replace, route } from "../router.js";
import { session } from "../session.js";
import { PURCHASE_CATEGORIES, toFen } from "./procurement.js";

const STAGE = { dept_head: "部门负责人", procurement: "采购办", leader: "分管领导" };
const blank = () => ({ name: "", spec: "", qty: "1", unit: "个", price: "" });
const yuanText = (fen) => (fen / 100).toFixed(2);

export default {
  template: `
    <div>
      <page-state :page="page" :pull="false">
        <div v-if="rejection" class="status-card rejected" data-testid="resubmit-rejection">
          <div class="status-text">已驳回 · {{ STAGE[rejection.role] || rejection.role }}{{ rejection.actor ? " " + rejection.actor.name : "" }}</div>
          <div class="reason-line" data-testid="resubmit-comment">{{ rejection.comment || "（未填写意见）" }}</div>
          <div class="muted">{{ dateTime(rejection.at) }}</div>
        </div>
        <template v-if="editable">
          <van-cell-group inset class="gap">
            <van-field v-model.trim="form.title" label="申请事项" maxlength="128" data-testid="resubmit-title" :error-message="save.fields.title" />
            <van-field v-model.trim="form.reason" label="申请理由" type="textarea" rows="2" autosize maxlength="2000"
                       data-testid="resubmit-reason" :error-message="save.fields.reason" />
          </van-cell-group>
          <div class="section-title">类别</div>
          <van-radio-group v-model="form.category" direction="horizontal" class="filter-bar">
            <van-radio v-for="(label, key) in PURCHASE_CATEGORIES" :key="key" :name="key" :data-testid="'resubmit-category-' + key" class="tap">{{ label }}</van-radio>
          </van-radio-group>
          <field-error :action="save" name="category" />
          <div class="section-title">物品清单</div>
          <van-cell-group v-for="(item, i) in items" :key="i" inset class="gap">
            <van-field v-model.trim="item.name" label="名称" :data-testid="'resubmit-item-' + i + '-name'" :error-message="save.fields['items.' + i + '.name']" />
            <van-field v-model.trim="item.spec" label="规格" placeholder="选填" :data-testid="'resubmit-item-' + i + '-spec'" :error-message="save.fields['items.' + i + '.spec']" />
            <van-field v-model.trim="item.qty" label="数量" type="digit" :data-testid="'resubmit-item-' + i + '-qty'" :error-message="save.fields['items.' + i + '.qty']" />
            <van-field v-model.trim="item.unit" label="单位" maxlength="8" :data-testid="'resubmit-item-' + i + '-unit'" :error-message="save.fields['items.' + i + '.unit']" />
            <van-field v-model.trim="item.price" label="单价（元）" type="number" :data-testid="'resubmit-item-' + i + '-price'"
                       :error-message="save.fields['items.' + i + '.unit_price_fen'] || (item.price && toFen(item.price) === null ? '金额格式不正确' : '')" />
            <van-cell v-if="items.length > 1" title="删除此项" class="danger-text" clickable @click="items.splice(i, 1)" />
          </van-cell-group>
          <div class="actions"><van-button block plain round icon="plus" data-testid="resubmit-item-add" @click="items.push(blank())">再加一项</van-button></div>
          <div class="section-title">报价单（最多 5 个）</div>
          <div class="files">
            <div v-for="(f, i) in files" :key="f.id" class="file-row" :data-testid="'resubmit-file-' + f.id">
              <span class="ellipsis">{{ f.name }}</span><button type="button" class="thumb-x tap" aria-label="移除" @click="files.splice(i, 1)">×</button>
            </div>
            <label v-if="files.length < 5" class="pick wide"><input type="file" accept="application/pdf,image/*" data-testid="resubmit-attach" @change="picked">添加报价单</label>
            <van-loading v-if="uploading" size="20" />
          </div>
          <field-error :action="save" name="attachment_ids" />
          <van-cell-group inset class="gap">
            <van-cell title="预计金额" :value="total === null ? '—' : yuan(total)" data-testid="resubmit-total" />
          </van-cell-group>
          <div class="actions">
            <van-button type="primary" block round :loading="save.busy" :disabled="!ready" data-testid="resubmit-submit" @click="submit">重新提交</van-button>
            <div class="muted">重新提交后回到部门负责人审批，此前的审批记录保留。</div>
          </div>
        </template>
        <div v-else class="hint" data-testid="resubmit-why">
          {{ mine ? "当前状态为“" + statusText("procurement", page.data.status) + "”，只有被驳回的申请才能修改后重新提交。" : "只有申请人本人可以修改后重新提交。" }}
        </div>
      </page-state>
    </div>`,
  setup() {
    const form = Vue.reactive({ title: "", reason: "", category: "office" });
    const items = Vue.reactive([]);
    const files = Vue.ref([]);
    const uploading = Vue.ref(false);
    const page = usePage(async () => {
      const req = await api.get(`/procurement/requests/${route.params.id}`, undefined, { quiet: true });
      Object.assign(form, { title: req.title, reason: req.reason, category: req.category });
      items.splice(0, items.length, ...req.items.map((item) => ({
        name: item.name, spec: item.spec || "", qty: String(item.qty), unit: item.unit, price: yuanText(item.unit_price_fen),
      })));
      files.value = req.attachments.map((a, i) => ({ id: a.id, name: `${a.content_type === "application/pdf" ? "PDF" : "图片"}报价单 ${i + 1}` }));
      return req;
    });
    const mine = Vue.computed(() => page.data?.requester.id === session.user?.id);
    const editable = Vue.computed(() => mine.value && page.data?.status === "rejected");
    const rejection = Vue.computed(() => [...(page.data?.steps || [])].reverse().find((s) => s.decision === "rejected"));
    const lines = Vue.computed(() => items.map((item) => ({
      name: item.name, spec: item.spec, unit: item.unit, qty: Number(item.qty), unit_price_fen: toFen(item.price),
    })));
    const total = Vue.computed(() => (lines.value.every((l) => Number.isInteger(l.qty) && l.unit_price_fen !== null)
      ? lines.value.reduce((sum, l) => sum + l.qty * l.unit_price_fen, 0) : null));
    const ready = Vue.computed(() => Boolean(form.title && form.reason && items.length && total.value !== null
      && lines.value.every((l) => l.name && l.unit && l.qty > 0)));
    async function picked(event) {
      const file = event.target.files[0];
      event.target.value = "";
      if (!file) return;
      uploading.value = true;
      try {
        const made = await api.upload(file);
        files.value.push({ id: made.id, name: file.name });
      } finally {
        uploading.value = false;
      }
    }
    // One resubmission = one key: a retried tap never starts a second round of approval.
    const save = useAction((key, body) => api.post(`/procurement/requests/${route.params.id}/resubmit`, body, { key, quiet: true }), {
      done(req) {
        showToast("已重新提交", "success");
        replace(`/procurement/${req.id}`);
      },
    });
    function submit() {
      save.run({ ...form, items: lines.value, attachment_ids: files.value.map((f) => f.id) });
    }
    return {
      page, form, items, files, uploading, mine, editable, rejection, total, ready, save, picked, submit, blank, toFen,
      yuan, dateTime, statusText, PURCHASE_CATEGORIES, STAGE,
    };
  },
};
