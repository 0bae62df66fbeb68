/** 北京市 16 个区 in the official order: the district choices of sign-up, the kiosk, the station poster and the deputy's sheet (other districts may be typed in where a form allows). */
export const beijingDistricts = [
  '东城区', '西城区', '朝阳区', '海淀区', '丰台区', '石景山区', '门头沟区', '房山区',
  '通州区', '顺义区', '昌平区', '大兴区', '怀柔区', '平谷区', '密云区', '延庆区',
] as const;
