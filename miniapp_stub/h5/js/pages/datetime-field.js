// A date and time chosen with Vant's Chinese pickers in a popup (the browser's native
// inputs render in the browser's language, e.g. "November 2026" and "10:00 AM").
// v-model is "YYYY-MM-DDTHH:MM" in the service's zone; the field shows "12月7日 周一 14:00".
// mode="date" takes "YYYY-MM-DD", mode="time" takes "HH:MM".
import { Vue } from "../vendor.js";
import { dayLabel } from "../format.js";

const SUFFIX = { year: "年", month: "月", day: "日", hour: "时", minute: "分" };
const formatter = (type, option) => ({ ...option, text: option.text + (SUFFIX[type] || "") });

function asDate(ymd) {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Date(y, m - 1, d);
}

export default {
  props: {
    modelValue: { type: String, default: "" },
    label: { type: String, required: true },
    testid: { type: String, default: "" },
    required: { type: Boolean, default: false },
    errorMessage: { type: String, default: "" },
    minDate: { type: String, default: "" }, // YYYY-MM-DD
    maxDate: { type: String, default: "" },
    mode: { type: String, default: "datetime" }, // datetime | date | time
  },
  emits: ["update:modelValue"],
  template: `
    <van-field :model-value="shown" :label="label" readonly is-link :required="required" :error-message="errorMessage"
               :data-testid="testid" placeholder="请选择" @click="open" />
    <van-popup v-model:show="show" position="bottom" round teleport="body">
      <van-time-picker v-if="mode === 'time'" v-model="time" :title="label" :formatter="formatter" :data-testid="testid + '-time'"
                       confirm-button-text="确定" cancel-button-text="取消" @confirm="confirm" @cancel="show = false" />
      <van-picker-group v-else-if="mode === 'datetime'" :title="label" :tabs="['日期', '时间']" next-step-text="下一步"
                        confirm-button-text="确定" cancel-button-text="取消" @confirm="confirm" @cancel="show = false">
        <van-date-picker v-model="date" :min-date="min" :max-date="max" :formatter="formatter" :data-testid="testid + '-date'" />
        <van-time-picker v-model="time" :formatter="formatter" :data-testid="testid + '-time'" />
      </van-picker-group>
      <van-date-picker v-else v-model="date" :title="label" :min-date="min" :max-date="max" :formatter="formatter"
                       confirm-button-text="确定" cancel-button-text="取消" @confirm="confirm" @cancel="show = false" />
    </van-popup>`,
  setup(props, { emit }) {
    const show = Vue.ref(false);
    const date = Vue.ref([]);
    const time = Vue.ref([]);
    const min = Vue.computed(() => (props.minDate ? asDate(props.minDate) : new Date(new Date().getFullYear() - 1, 0, 1)));
    const max = Vue.computed(() => (props.maxDate ? asDate(props.maxDate) : new Date(new Date().getFullYear() + 1, 11, 31)));
    const shown = Vue.computed(() => {
      if (!props.modelValue) return "";
      if (props.mode === "time") return props.modelValue;
      const [day, hm] = props.modelValue.split("T");
      return props.mode === "datetime" ? `${dayLabel(day)} ${hm.slice(0, 5)}` : dayLabel(day);
    });
    function open() {
      const value = props.mode === "time" ? `T${props.modelValue || "09:00"}` : props.modelValue || "";
      const [day, hm = "09:00"] = value.split("T");
      date.value = day ? day.split("-") : [];
      time.value = hm.slice(0, 5).split(":");
      show.value = true;
    }
    function confirm() {
      const day = date.value.join("-");
      const hm = time.value.join(":");
      emit("update:modelValue", props.mode === "time" ? hm : props.mode === "datetime" ? `${day}T${hm}` : day);
      show.value = false;
    }
    return { show, date, time, min, max, shown, open, confirm, formatter };
  },
};
